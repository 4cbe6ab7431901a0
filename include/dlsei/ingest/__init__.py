"""Land every delivered file, one at a time: the landing area, the file ledger, the loaders of Coursera exports and
HEC registry extracts, and the dated snapshots they write (with the seats ever seen)."""
