"""OpenAPI links in the public schema: which answer's id the next call takes (a job from the
list is opened, then applied to; an application is withdrawn; a post staff open is then
closed). A generated client and a stateful fuzzer both follow them instead of guessing ids.

drf-spectacular has no per-view declaration for links, so they are added by a postprocessing
hook, keyed by operationId, once the schema is built."""

from __future__ import annotations

from typing import Any

# (operationId, status) -> {link name: (next operationId, where the next call's id is)}
LINKS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("v1_jobs_list", "200"): {"OpenJob": ("v1_jobs_retrieve", "$response.body#/results/0/id")},
    ("v1_jobs_retrieve", "200"): {"Apply": ("v1_jobs_applications_create", "$response.body#/id")},
    ("v1_jobs_applications_create", "201"): {
        "Withdraw": ("v1_me_applications_withdraw_create", "$response.body#/id"),
    },
    ("v1_me_applications_list", "200"): {
        "WithdrawFirst": ("v1_me_applications_withdraw_create", "$response.body#/results/0/id"),
    },
    ("v1_me_notifications_list", "200"): {
        "Read": ("v1_me_notifications_read_create", "$response.body#/results/0/id"),
    },
    ("v1_me_placements_list", "200"): {
        "CheckIn": ("v1_me_placements_check_in_create", "$response.body#/results/0/id"),
        "CheckOut": ("v1_me_placements_check_out_create", "$response.body#/results/0/id"),
        "ClaimWages": ("v1_me_placements_wage_claims_create", "$response.body#/results/0/id"),
    },
    ("v1_staff_posts_list", "200"): {
        "OpenPost": ("v1_staff_posts_open_create", "$response.body#/results/0/id"),
        "ShowPost": ("v1_staff_posts_retrieve", "$response.body#/results/0/id"),
        "ClosePost": ("v1_staff_posts_close_create", "$response.body#/results/0/id"),
    },
    ("v1_staff_posts_create", "201"): {
        "OpenCreated": ("v1_staff_posts_open_create", "$response.body#/id"),
    },
    ("v1_staff_posts_open_create", "200"): {
        "Close": ("v1_staff_posts_close_create", "$response.body#/id"),
    },
    ("v1_staff_posts_close_create", "200"): {
        "Reopen": ("v1_staff_posts_open_create", "$response.body#/id"),
    },
}


def add_operation_links(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: each response of ``LINKS`` gets its links.

    A link naming an operation the schema lacks, or a response it does not document, is a
    mistake in the table, so it fails the schema's generation (and the tests) rather than
    publishing a link a client cannot follow."""
    operations = {
        operation["operationId"]: operation
        for item in result.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (source_id, status), links in LINKS.items():
        for name, (target_id, _) in links.items():
            if target_id not in operations:
                raise LookupError(f"link {name} of {source_id} names no operation {target_id}")
        if source_id not in operations or status not in operations[source_id]["responses"]:
            raise LookupError(f"no response {status} of {source_id} to link from")
        operations[source_id]["responses"][status]["links"] = {
            name: {"operationId": target_id, "parameters": {"id": where}}
            for name, (target_id, where) in links.items()
        }
    return result
