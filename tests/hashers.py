from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Same algorithm ("argon2"), test-sized cost."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
