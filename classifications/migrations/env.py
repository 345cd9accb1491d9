"""Alembic environment for the history store.

craft configures Alembic in code (classifications/history.py `_migrate`): no alembic.ini. The
caller passes an open connection inside its own transaction, so the upgrade commits or rolls
back with it and concurrent first uses cannot both create the schema.
"""
from alembic import context

config = context.config
connection = config.attributes.get("connection")

if context.is_offline_mode():
    # `alembic upgrade head --sql` for a DBA: the SQL, nothing run
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
elif connection is None:
    raise RuntimeError("run migrations through classifications.history.open_store(), "
                       "which passes the connection to use")
else:
    context.configure(connection=connection, target_metadata=None,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():  # joins the caller's transaction
        context.run_migrations()
