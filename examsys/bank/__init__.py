"""Question banks: versioned questions of five types, four-eyes review, import and export."""
