from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from stations.demo import DemoCityError, demo_city_generate
from stations.demo.dispatch import demo_sign_ins_generate
from stations.demo.fairs import demo_fairs_generate
from stations.demo.followup import demo_plans_generate
from stations.models import Region


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic city: seekers, employers and posts placed in the "
        "city's districts. Idempotent: a second run with the same arguments adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="620100", help="GB/T 2260 code of the city")
        parser.add_argument("--seekers", type=int, default=2_000)
        parser.add_argument("--employers", type=int, default=200)
        parser.add_argument("--posts", type=int, default=600)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="generate even though DEBUG is off (demo phone numbers may be real numbers)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to generate demo data with DEBUG off; pass --allow-production for a "
                "load-test database whose notifications go nowhere."
            )
        for name in ("seekers", "employers", "posts"):
            if options[name] < 0:
                raise CommandError(f"--{name} must be zero or more.")
        try:
            result = demo_city_generate(
                city_code=options["city"],
                seekers=options["seekers"],
                employers=options["employers"],
                posts=options["posts"],
                seed=options["seed"],
                today=timezone.localdate(),
                stream=self.stdout,
            )
        except DemoCityError as error:
            raise CommandError(error.message) from error
        city = Region.objects.get(code=options["city"])
        today = timezone.localdate()
        sign_ins = demo_sign_ins_generate(city=city, seed=options["seed"], today=today)
        fairs = demo_fairs_generate(
            city_code=options["city"], seed=options["seed"], now=timezone.now()
        )
        plans = demo_plans_generate(city=city, seed=options["seed"], today=today)
        self.stdout.write(
            f"Demo city {options['city']} (seed {options['seed']}): "
            f"{result.seekers_created} seekers, {result.employers_created} employers and "
            f"{result.posts_created} posts created, with {result.applications_created} "
            f"applications and {result.placements_created} hires; {sign_ins} sign-ins at "
            f"its stations; {fairs.fairs_created} job fairs with {fairs.registrations} "
            f"registrations and {fairs.intentions} intentions; {plans.plans_opened} 311 "
            f"plans with {plans.services_recorded} services; {plans.families_created} families, "
            f"{plans.zero_employment_alerts} with no one employed."
        )
