"""The shapes the API reads and writes, for validation and for the OpenAPI schema.

Field names are OSDI's. HAL's `_links` and `_embedded` start with an underscore, which pydantic
keeps for private attributes: they are declared by alias, and the routes answer `by_alias`.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Subscription = Literal["subscribed", "unsubscribed"]


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Link(Model):
    href: str


Links = dict[str, Link | list[Link]]


class Error(Model):
    error: str


class EmailAddress(Model):
    address: str
    primary: bool = True
    status: Subscription | None = None


class PhoneNumber(Model):
    number: str
    primary: bool = True
    number_type: str | None = None
    sms_capable: bool | None = None
    status: Subscription | None = None


class PostalAddress(Model):
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None
    primary: bool = True


class PersonIn(Model):
    """A person as the signup helper reads them; fields it does not know are ignored, as OSDI asks."""

    given_name: str | None = None
    family_name: str | None = None
    email_addresses: list[EmailAddress] = Field(min_length=1)
    phone_numbers: list[PhoneNumber] = []
    postal_addresses: list[PostalAddress] = []
    custom_fields: dict[str, str | int | float | bool | None] = {}


class SignupIn(Model):
    person: PersonIn
    add_tags: list[str] = []
    remove_tags: list[str] = []


class PersonOut(Model):
    identifiers: list[str]
    given_name: str
    family_name: str
    email_addresses: list[EmailAddress]
    phone_numbers: list[PhoneNumber]
    postal_addresses: list[PostalAddress]
    custom_fields: dict[str, str]
    created_date: str
    modified_date: str
    links: Links = Field(alias="_links")


class Collection(Model):
    total_pages: int
    per_page: int
    page: int
    total_records: int
    links: Links = Field(alias="_links")


class PeopleEmbedded(Model):
    people: list[PersonOut] = Field(alias="osdi:people")


class PeopleCollection(Collection):
    embedded: PeopleEmbedded = Field(alias="_embedded")


class County(Model):
    fips: str
    name: str


class Territory(Model):
    mode: str
    in_words: str
    listed_counties: list[County]


class StateRef(Model):
    code: str
    name: str


class ChapterOut(Model):
    identifiers: list[str]
    name: str
    slug: str
    status: str
    state: StateRef
    founded: str | None
    description: str
    contact_email: str
    territory: Territory
    links: Links = Field(alias="_links")


class ChaptersEmbedded(Model):
    chapters: list[ChapterOut]


class ChapterCollection(Collection):
    embedded: ChaptersEmbedded = Field(alias="_embedded")


class EndorsementOut(Model):
    identifiers: list[str]
    kind: str
    name: str
    office: str
    party: str
    state: str | None
    statement: str
    source_url: str
    made_on: str
    published_date: str | None
    featured: bool
    links: Links = Field(alias="_links")


class EndorsementsEmbedded(Model):
    endorsements: list[EndorsementOut]


class EndorsementCollection(Collection):
    embedded: EndorsementsEmbedded = Field(alias="_embedded")


class MapChapter(Model):
    name: str
    slug: str
    status: str
    whole_state: bool


class MapState(Model):
    code: str
    name: str
    status: Literal["active", "forming", "members", "none"]
    chapters: list[MapChapter]


class Progress(Model):
    active_states: int
    forming_states: int
    goal_states: int


class MapFigures(Model):
    progress: Progress
    states: list[MapState]
    links: Links = Field(alias="_links")


class EntryPoint(Model):
    motd: str
    vendor_name: str
    product_name: str
    osdi_version: str
    max_pagesize: int
    namespace: str
    links: Links = Field(alias="_links")
