"""factory_boy factories shared by every app's tests."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    """A user with an encrypted email and name; `email`, `full_name` and `password` are plain inputs."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    # Plain inputs, turned into ciphertext and a password hash by _create.
    # Planted, recognisable values: the suite fails if any reaches a log line (tests/conftest.py).
    email = factory.Sequence(lambda n: f"planted.user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Plantedname{n} 植入者{n}")
    password = DEFAULT_PASSWORD
    role = "seeker"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        email = kwargs.pop("email")
        full_name = kwargs.pop("full_name")
        password = kwargs.pop("password")
        user = model_class(*args, **kwargs)
        user.set_email(email)
        user.set_full_name(full_name)
        user.set_password(password)
        user.save()
        return user
