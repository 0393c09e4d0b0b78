"""Credentials (行政执法证): the signed QR token, the keys, and (next) issuance and the lifecycle."""
