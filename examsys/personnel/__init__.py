"""Personnel register: officers and auxiliary staff."""
