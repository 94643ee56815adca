"""One module per `boundary-policy` subcommand; each exports a click command named `command`; only these print."""

__all__: list[str] = []
