"""Roles map to permissions; endpoints check permissions, never roles.

A permission guards an effect, whichever route reaches it: `billing:write` voids, credits
and refunds (also when cancelling an invoiced order does it), `inventory:price` sets what a
product costs (its price and tax rate, also when creating it), `orders:override_price`
prices an order line away from the catalogue. `audit:read` reads the audit log, which
shows every change and who made it (admins, and accountants as the auditors);
`settings:manage` changes the company settings (what documents print, tax rates, numbering).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ACCOUNTANT = "accountant"
    CLERK = "clerk"
    VIEWER = "viewer"


READ = {
    "customers:read",
    "orders:read",
    "inventory:read",
    "billing:read",
    "analytics:read",
}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset(READ),
    Role.CLERK: frozenset(
        READ
        | {
            "customers:write",
            "orders:write",
            "inventory:write",
            "inventory:reserve",
            "billing:pay",
        }
    ),
    Role.ACCOUNTANT: frozenset(
        READ
        | {
            "customers:write",
            "orders:write",
            "orders:override_price",
            "inventory:price",
            "billing:write",
            "billing:pay",
            "analytics:sql",
            "audit:read",
        }
    ),
    Role.ADMIN: frozenset(
        READ
        | {
            "customers:write",
            "orders:write",
            "orders:override_price",
            "inventory:write",
            "inventory:price",
            "inventory:reserve",
            "billing:write",
            "billing:pay",
            "analytics:sql",
            "users:admin",
            "system:admin",
            "sessions:manage",
            "audit:read",
            "settings:manage",
        }
    ),
}


def permissions_for(role: str) -> frozenset[str]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()
