"""Reports from the public about an officer (filed from the verify page) and their handling by supervisors."""
