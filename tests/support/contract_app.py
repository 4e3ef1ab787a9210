"""A small FastAPI app with an OpenAPI document, for ``openapi.contract``.

``build_app(buggy=True)`` breaks its own contract in one place: ``GET /items/{item_id}``
declares ``{id: int, name: str}`` but answers ``name: null`` for odd ids. ``buggy=False`` is the
same app keeping its word. ``POST /uploads`` takes a multipart form: a file and a number. ``ContractService`` serves one with uvicorn in a background thread
on a free loopback port (the pattern of ``http_service.HttpService``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tests.support.http_service import HttpService


class Item(BaseModel):
    id: int
    name: str


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=0, le=1000)


class Uploaded(BaseModel):
    size: int
    copies: int


class Created(BaseModel):
    id: int
    name: str
    quantity: int


def build_app(buggy: bool) -> FastAPI:
    """The items API; ``buggy`` makes ``GET /items/{item_id}`` break its response schema."""
    app = FastAPI(title="items", version="1.0.0")

    @app.get("/health", operation_id="health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/items/{item_id}",
        operation_id="getItem",
        response_model=Item,
        responses={404: {"description": "No such item"}},
    )
    def get_item(item_id: int = Path(ge=0, le=10_000)) -> Any:
        if item_id >= 5_000:
            return JSONResponse({"detail": "no such item"}, status_code=404)
        name = None if buggy and item_id % 2 else f"item-{item_id}"
        # JSONResponse bypasses FastAPI's response validation, as a real bug would
        return JSONResponse({"id": item_id, "name": name})

    @app.post(
        "/items",
        operation_id="createItem",
        response_model=Created,
        status_code=201,
        responses={400: {"description": "Malformed JSON"}},  # FastAPI's own, undeclared
    )
    def create_item(item: NewItem) -> Created:
        return Created(id=1, name=item.name, quantity=item.quantity)

    @app.post(
        "/uploads",
        operation_id="upload",
        response_model=Uploaded,
        status_code=201,
        responses={400: {"description": "Malformed multipart body"}},  # FastAPI's own
    )
    async def upload(
        file: Annotated[UploadFile, File()], copies: Annotated[int, Form(ge=1, le=5)]
    ) -> Uploaded:
        # a multipart form with a number in it: the check must send both as HTTP can
        return Uploaded(size=len(await file.read()), copies=copies)

    return app


class ContractService(HttpService):
    """One variant of the app on 127.0.0.1 and a free port, served by uvicorn in a thread."""

    def __init__(self, buggy: bool) -> None:
        super().__init__(app=build_app(buggy))
