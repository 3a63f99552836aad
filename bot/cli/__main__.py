"""`python -m bot.cli …` is the `troly` command (tests run it as another process)."""

from bot.cli import main

if __name__ == "__main__":
    main()
