"""Print what the demo left on the sandbox: messages by status, contact groups, balance."""

from __future__ import annotations

from collections import Counter

from airflow_provider_textiopro.hooks.textiopro import TextioProHook


def main() -> None:
    hook = TextioProHook(textiopro_conn_id="textiopro_default")
    messages = list(hook.list_messages())
    statuses = Counter(message.status.value for message in messages)
    by_status = ", ".join(f"{count} {status}" for status, count in statuses.most_common())
    print(f"messages sent:   {len(messages)}" + (f" ({by_status})" if by_status else ""))
    for group in hook.list_groups():
        contacts = sum(1 for _ in hook.list_contacts(group.uid))
        print(f"contact group:   {group.name!r} with {contacts} contacts")
    print(f"balance left:    {hook.get_balance().remaining}")


if __name__ == "__main__":
    main()
