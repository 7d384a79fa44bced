"""The application's foundations, free of Streamlit: settings, database engine and scopes,
errors with French messages, translation and French formats, the programme's clock, and the
one permissions table.
"""
