"""Exit 0 when the PostgreSQL server of a database URL answers, 1 otherwise."""

import sys

import psycopg


def main(url: str) -> int:
    """Try one connection with a short timeout."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
