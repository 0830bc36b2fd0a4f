"""What became of each proposal: official answers, their deadlines, and implementation progress."""
