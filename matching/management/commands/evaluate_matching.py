from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from matching.selectors.evaluation import hit_rates
from stations.models import Region


class Command(BaseCommand):
    help = (
        "Measure the stored recommendations against the hires that followed: hit rate at K "
        "and mean reciprocal rank, for both directions (post → seekers, seeker → posts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--k", default="1,5,10,20", help="comma-separated K values")
        parser.add_argument("--days", type=int, default=90, help="hires of the last N days")
        parser.add_argument("--region", default="", help="region code (its whole tree)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ks = sorted({int(k) for k in options["k"].split(",") if k.strip()})
        except ValueError as error:
            raise CommandError("--k takes comma-separated whole numbers, e.g. 1,5,10") from error
        if not ks or ks[0] < 1:
            raise CommandError("--k takes positive whole numbers")
        region_path = ""
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"No region with code {options['region']}.")
            region_path = region.path
        since = timezone.now() - dt.timedelta(days=options["days"])
        results = hit_rates(ks=ks, since=since, region_path=region_path)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "direction": r.direction,
                            "hires": r.hires,
                            "hit_rate": {str(k): round(r.rate(k), 4) for k in ks},
                            "mrr": round(r.mean_reciprocal_rank, 4),
                        }
                        for r in results
                    ],
                    indent=2,
                )
            )
            return
        header = "direction  hires  " + "  ".join(f"hit@{k:<3}" for k in ks) + "  MRR"
        self.stdout.write(header)
        for r in results:
            rates = "  ".join(f"{r.rate(k):6.1%}" for k in ks)
            self.stdout.write(
                f"{r.direction:<9}  {r.hires:>5}  {rates}  {r.mean_reciprocal_rank:.3f}"
            )
