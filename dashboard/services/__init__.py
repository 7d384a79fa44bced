"""Use cases. Each public function takes the acting user explicitly, checks the permission,
validates, writes in one transaction with its change-log rows, and returns plain data."""
