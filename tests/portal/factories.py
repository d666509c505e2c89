import factory

from portal.accounts.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Persoon {n}")
    role = Role.LEARNER
    password = factory.PostGenerationMethodCall("set_password", "een-Goed-wachtwoord-42")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


def provider_staff(provider, *, admin: bool = False, **kwargs) -> User:
    from providers.models import ProviderMembership

    user = UserFactory(role=Role.PROVIDER_STAFF, **kwargs)
    ProviderMembership.objects.create(
        user=user,
        provider=provider,
        role=ProviderMembership.Role.ADMIN if admin else ProviderMembership.Role.EDITOR,
    )
    return user
