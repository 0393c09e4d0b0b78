"""Enforcement domains (执法类别): what an officer may enforce, what a sector bank and a sector exam cover,
what a credential names. Below the bank and the register alike, so that each reads them without the other."""
