"""Webhooks: subscribers told of every new entry (metadata only), from a durable outbox, signed
per Standard Webhooks (``sign``), sent and retried by ``dispatch``; the queue's shape is in
``queue`` and each store keeps its own tables (``btiflow.store.webhooks``,
``btiflow.store.pgwebhooks``)."""
