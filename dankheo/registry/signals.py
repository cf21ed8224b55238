from blinker import Namespace

_signals = Namespace()
exemplar_withdrawn = _signals.signal("exemplar-withdrawn")
