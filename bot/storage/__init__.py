"""SQLite storage: one aiosqlite connection, versioned migrations, repositories (no discord)."""
