"""Objections (phản ánh, kiến nghị) against an entry of an issued recommended list,
received during the campaign's window and decided by the secretariat."""
