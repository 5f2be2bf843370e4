"""The seed's example, verbatim: put before anyone listens, then iterate. Prints 1."""

import asyncio

from sdk import App

app = App()


async def main() -> None:
    channel = app.channel()

    await channel.put(1)

    async for event in channel:
        print(event.value)
        # the channel is infinite so we break after first event
        break


if __name__ == "__main__":
    asyncio.run(main())
