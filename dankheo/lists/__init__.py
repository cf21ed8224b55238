"""The official lists of a campaign, laid out as Vietnamese offices file them.

"Danh sách đề nghị khen thưởng" (entries recommended for commendation) and
"Danh sách được công nhận" per stage (entries that passed a stage), filtered and scoped
to the secretariat's subtree, delivered as XLSX, DOCX, a print page and a PDF.

- :mod:`.queries` finds the entries and plans the order and groups (ids only), then
  fetches the printed columns in batches, so every format streams the same rows;
- :mod:`.document` holds what a list says (header, title, rows, subtotals, signature);
- :mod:`.excel`, :mod:`.word`, :mod:`.pdf` lay one document out in each format;
- :mod:`.views` is the secretariat's page (``/admin/lists``).

It reads only the models; it has no tables of its own.
"""
