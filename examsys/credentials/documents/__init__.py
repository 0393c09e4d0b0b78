"""What a credential prints as: the card and certificate PDFs, the QR code, the void mark, who may print what."""
