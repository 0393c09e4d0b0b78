"""The public side of credentials: the verify page a QR code opens and its cache, the key set and status lists, the public register."""
