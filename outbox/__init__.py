"""The transactional outbox: work after a commit, written in the commit and delivered by Celery with retries."""
