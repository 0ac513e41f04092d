"""Running calls at the same moment in real threads, each on its own database connection (the race tests)."""

import threading

from django.db import connection


def run_together(*calls) -> list:
    """Start every call at once in its own thread (and its own database connection); return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # an error (a refusal) is a result under test too
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
