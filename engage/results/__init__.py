"""Result summaries for the institutions and the public: pages, exports and the PDF report."""
