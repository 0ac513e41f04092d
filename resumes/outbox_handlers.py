"""The mail resumes sends after a commit through the outbox, imported when the app is ready.

Each sender declares its kind and its handler next to the code that enqueues it, where
the address is decrypted (the allow-list in tests/test_decryption_allow_list.py):

- reveal.SEEKER_EMAIL: the seeker is told that an employer received their contact
- exposure.EXPOSURE_EMAIL: the seeker is told that a stopped harvester obtained it
- relay.FORWARDED_EMAIL: mail forwarded through a relay alias, either way
"""

from .services import exposure, relay, reveal

KINDS = (reveal.SEEKER_EMAIL, exposure.EXPOSURE_EMAIL, relay.FORWARDED_EMAIL)
