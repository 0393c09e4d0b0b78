"""The legal-qualification exemption: recorded with its evidence, approved by a second person."""
