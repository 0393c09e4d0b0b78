"""The home page: what each role finds waiting for it. It reads every domain, and nothing imports it."""
