"""Demo cases: a few hundred invented returnees to Thailand and the Philippines, written only
through the real services, so that every record, timeline line and audit event is one a user
could have produced.

One seeded generator draws everything, so the demo is the same on every machine; only the dates
move with today, and the case codes are drawn by the service. Names are common given and family
names put together at random; phone numbers carry a "000" block and identity documents a "0000"
block, so that none can be a real person's. The services stamp their timeline lines with the
time they run; the dates recorded in the data (opening, history, return, consent, due dates) are
spread over the past three years and kept consistent with each other.
"""

import datetime
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from reintegra.accounts.models import Role, User
from reintegra.cases import services as case_services
from reintegra.cases.choices import (
    ConsentPurpose,
    ControlMeans,
    DataCategory,
    Education,
    Exploitation,
    Gender,
    HistoryType,
    Industry,
    MaritalStatus,
    RecruiterRelation,
    RecruitmentMethod,
    ReferralReason,
    ReferralStatus,
    ReturnType,
    Stage,
    TraffickingStatus,
    Urgency,
)
from reintegra.cases.models import Case, Consent
from reintegra.demo.network import USERS
from reintegra.network.models import Agency, Service
from reintegra.referrals import services as referral_services
from reintegra.referrals.models import Referral

SEED = 2026
CASE_COUNT = 300

T = TypeVar("T")
CM, EX, IN, RM, RT = ControlMeans, Exploitation, Industry, RecruitmentMethod, ReturnType
ID, RET, SHEL, REINT, FOLLOW, CLOSED = (
    Stage.IDENTIFICATION,
    Stage.RETURN,
    Stage.SHELTER_ASSISTANCE,
    Stage.REINTEGRATION,
    Stage.FOLLOW_UP,
    Stage.CLOSED,
)
STAGES = [ID, RET, SHEL, REINT, FOLLOW, CLOSED]


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _pick(rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    return rng.choices([value for value, _w in weighted], weights=[w for _v, w in weighted])[0]


def _rank(stage: str) -> int:
    return STAGES.index(Stage(stage))


# --- Who opens the cases, and where their returnees come home to -------------------------------

# username, how many of the cases they open (relative)
OPENERS = [("malee", 72), ("somchai", 18), ("nattaya", 60), ("maria", 72), ("jose", 18), ("grace", 60)]


@dataclass(frozen=True)
class Home:
    area: str
    region: str
    language: str = ""  # spoken besides the national language


HOMES: dict[str, list[tuple[Home, int]]] = {
    "th-msdhs-chiangrai": [
        (Home("Mueang Chiang Rai, Chiang Rai", "north", "nod"), 5),
        (Home("Mae Sai, Chiang Rai", "north", "nod"), 4),
        (Home("Mae Chan, Chiang Rai", "north", "nod"), 3),
        (Home("Chiang Khong, Chiang Rai", "north", "nod"), 3),
        (Home("Phan, Chiang Rai", "north", "nod"), 3),
        (Home("Wiang Pa Pao, Chiang Rai", "north", "nod"), 2),
        (Home("Mueang Phayao, Phayao", "north", "nod"), 2),
        (Home("Ban Dung, Udon Thani", "isan", "tts"), 2),
        (Home("Kumphawapi, Udon Thani", "isan", "tts"), 1),
    ],
    "th-msdhs-udonthani": [
        (Home("Mueang Udon Thani, Udon Thani", "isan", "tts"), 5),
        (Home("Ban Dung, Udon Thani", "isan", "tts"), 3),
        (Home("Kumphawapi, Udon Thani", "isan", "tts"), 3),
        (Home("Nong Han, Udon Thani", "isan", "tts"), 3),
        (Home("Mueang Nong Bua Lamphu, Nong Bua Lamphu", "isan", "tts"), 3),
        (Home("Si Bun Rueang, Nong Bua Lamphu", "isan", "tts"), 2),
        (Home("Mueang Khon Kaen, Khon Kaen", "isan", "tts"), 2),
        (Home("Mae Sai, Chiang Rai", "north", "nod"), 2),
    ],
    "ph-dswd-ncr": [
        (Home("Tondo, Manila", "ncr"), 4),
        (Home("Caloocan City", "ncr"), 3),
        (Home("Quezon City", "ncr"), 4),
        (Home("Taguig City", "ncr"), 2),
        (Home("Malabon City", "ncr"), 2),
        (Home("Laoag City, Ilocos Norte", "ilocos", "ilo"), 2),
        (Home("San Fernando, La Union", "ilocos", "ilo"), 2),
        (Home("Cabanatuan City, Nueva Ecija", "luzon"), 2),
        (Home("Malolos, Bulacan", "luzon"), 2),
        (Home("Dagupan City, Pangasinan", "luzon", "ilo"), 1),
        (Home("Cebu City, Cebu", "visayas", "ceb"), 3),
        (Home("Tagbilaran City, Bohol", "visayas", "ceb"), 2),
    ],
    "ph-dswd-region7": [
        (Home("Cebu City, Cebu", "visayas", "ceb"), 5),
        (Home("Lapu-Lapu City, Cebu", "visayas", "ceb"), 3),
        (Home("Mandaue City, Cebu", "visayas", "ceb"), 3),
        (Home("Talisay City, Cebu", "visayas", "ceb"), 2),
        (Home("Danao City, Cebu", "visayas", "ceb"), 2),
        (Home("Toledo City, Cebu", "visayas", "ceb"), 2),
        (Home("Tagbilaran City, Bohol", "visayas", "ceb"), 2),
        (Home("Dumaguete City, Negros Oriental", "visayas", "ceb"), 2),
        (Home("Quezon City", "ncr"), 2),
    ],
}
VILLAGES_TH = ["Ban Nong Bua", "Ban Don", "Ban Pa Sak", "Ban Huai Sai", "Ban Nong Waeng", "Ban Na Kham", "Ban Mai"]
BARANGAYS_PH = ["Poblacion", "San Isidro", "San Roque", "Santo Niño", "Bagong Silang", "Mabini", "San Jose"]

# --- Names: romanised and in Thai script; Filipino names --------------------------------------

TH_WOMEN = [
    ("Suda", "สุดา"),
    ("Kanya", "กัญญา"),
    ("Wanida", "วนิดา"),
    ("Nittaya", "นิตยา"),
    ("Araya", "อารยา"),
    ("Jintana", "จินตนา"),
    ("Lamai", "ละม้าย"),
    ("Pornthip", "พรทิพย์"),
    ("Sunee", "สุนีย์"),
    ("Yupin", "ยุพิน"),
    ("Anong", "อนงค์"),
    ("Mali", "มะลิ"),
    ("Rattana", "รัตนา"),
    ("Supaporn", "สุภาพร"),
    ("Usa", "อุษา"),
    ("Duangjai", "ดวงใจ"),
    ("Pensri", "เพ็ญศรี"),
    ("Orathai", "อรทัย"),
    ("Waraporn", "วราภรณ์"),
    ("Siriporn", "ศิริพร"),
    ("Kanokwan", "กนกวรรณ"),
]
TH_MEN = [
    ("Somsak", "สมศักดิ์"),
    ("Prasert", "ประเสริฐ"),
    ("Sombat", "สมบัติ"),
    ("Kittisak", "กิตติศักดิ์"),
    ("Thongchai", "ธงชัย"),
    ("Wichai", "วิชัย"),
    ("Bunma", "บุญมา"),
    ("Kamol", "กมล"),
    ("Preecha", "ปรีชา"),
    ("Sakda", "ศักดา"),
    ("Tawan", "ตะวัน"),
    ("Surachai", "สุรชัย"),
    ("Anucha", "อนุชา"),
    ("Chatchai", "ฉัตรชัย"),
    ("Pichit", "พิชิต"),
    ("Narong", "ณรงค์"),
    ("Sompong", "สมปอง"),
    ("Boonchu", "บุญชู"),
    ("Manop", "มานพ"),
    ("Arthit", "อาทิตย์"),
]
TH_FAMILY = [
    ("Saengthong", "แสงทอง"),
    ("Kaewmanee", "แก้วมณี"),
    ("Phromsri", "พรหมศรี"),
    ("Thongdee", "ทองดี"),
    ("Jaidee", "ใจดี"),
    ("Srisawat", "ศรีสวัสดิ์"),
    ("Sukjai", "สุขใจ"),
    ("Meesuk", "มีสุข"),
    ("Kongkaew", "คงแก้ว"),
    ("Wongdee", "วงศ์ดี"),
    ("Chaiyasit", "ชัยสิทธิ์"),
    ("Boonsong", "บุญส่ง"),
    ("Panyadee", "ปัญญาดี"),
    ("Thongma", "ทองมา"),
    ("Boonruang", "บุญเรือง"),
    ("Sriboon", "ศรีบุญ"),
    ("Khamsaen", "คำแสน"),
    ("Phumjai", "ภูมิใจ"),
    ("Naksuk", "นาคสุข"),
    ("Duangkaew", "ดวงแก้ว"),
    ("Buasri", "บัวศรี"),
    ("Chanthong", "จันทร์ทอง"),
    ("Kaewprasert", "แก้วประเสริฐ"),
]
TH_NICKNAMES = ["Nok", "Joy", "Ploy", "Lek", "Nong", "Daeng", "Bee", "Som", "Aor", "Tum", "Noi", "Pui", "Ton"]
PH_WOMEN = [
    "Maricel",
    "Rowena",
    "Jocelyn",
    "Lorna",
    "Marites",
    "Gemma",
    "Analyn",
    "Cristina",
    "Divina",
    "Rosalie",
    "Jennelyn",
    "Mylene",
    "Liezl",
    "Aiza",
    "Charito",
    "Evangeline",
    "Rhea",
    "Jasmin",
    "Mary Joy",
    "Rosemarie",
    "Lilibeth",
    "Janice",
    "Arlene",
]
PH_MEN = [
    "Rodel",
    "Arnel",
    "Ramil",
    "Joel",
    "Reynaldo",
    "Rommel",
    "Efren",
    "Noel",
    "Jerome",
    "Romeo",
    "Nestor",
    "Wilfredo",
    "Danilo",
    "Ronaldo",
    "Jomar",
    "Mark Anthony",
    "John Paul",
    "Rolando",
    "Ariel",
    "Elmer",
]
PH_FAMILY = [
    "Bautista",
    "Dizon",
    "Manalo",
    "Gonzales",
    "Pascual",
    "Soriano",
    "Mercado",
    "Cabrera",
    "Salazar",
    "Tolentino",
    "Navarro",
    "Castillo",
    "Magbanua",
    "Dimaculangan",
    "Alcantara",
    "Ocampo",
    "Macaraeg",
    "Cabahug",
    "Abellana",
    "Ylanan",
    "Tabanao",
    "Paredes",
    "Agustin",
    "Galang",
    "Bernardo",
    "Villarin",
    "Sarmiento",
]
PH_NICKNAMES = ["Beng", "Tess", "Jun-Jun", "Bong", "Weng", "Joy", "Inday", "Dodong", "Nene", "Toto", "Lyn"]

# --- Where people return from, and from what ------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One kind of migration story: where, in which sector, under which control, how it ended."""

    key: str
    origin: str
    weight: int
    destinations: tuple[tuple[str, int, tuple[str, ...]], ...]  # country, weight, areas
    exploitation: tuple[Exploitation, ...]
    industries: tuple[tuple[Industry, int], ...]
    control: tuple[ControlMeans, ...]
    recruitment: tuple[tuple[RecruitmentMethod, int], ...]
    genders: tuple[tuple[Gender, int], ...]
    ages: tuple[int, int]
    months: tuple[int, int]
    returns: tuple[tuple[ReturnType, int], ...]
    summaries: tuple[str, ...]
    transit: tuple[tuple[str, str, str], ...] = ()  # destination, transit country, area
    trafficking: tuple[int, int, int] = (45, 30, 25)  # identified, possible, not a victim
    debt_share: float = 0.5


MAN, WOMAN, TRANS_WOMAN = Gender.MASCULINE, Gender.FEMININE, Gender.TRANSGENDER_FEMININE
MOSTLY_MEN = ((MAN, 95), (WOMAN, 5))
MIXED = ((MAN, 50), (WOMAN, 49), (Gender.NON_CONFORMING, 1))
SEX_INDUSTRY_GENDERS = ((WOMAN, 84), (TRANS_WOMAN, 14), (MAN, 2))

SCENARIOS = [
    # --- returning to Thailand
    Scenario(
        "fishing",
        "TH",
        14,
        (
            ("MY", 6, ("Kuantan port, Pahang", "Kuala Terengganu", "Off Sabah (fishing grounds)")),
            ("ID", 1, ("Ambon, Maluku",)),
        ),
        (EX.FORCED_LABOUR,),
        ((IN.A, 1),),
        (
            CM.DEBT_BONDAGE,
            CM.WITHHOLDS_DOCUMENTS,
            CM.EXCESSIVE_HOURS,
            CM.PHYSICAL_ABUSE,
            CM.PHYSICAL_THREATS,
            CM.TAKES_EARNINGS,
            CM.WITHHOLDS_NECESSITIES,
        ),
        ((RM.BROKER, 6), (RM.FRIENDS, 3), (RM.FAMILY, 1)),
        MOSTLY_MEN,
        (18, 50),
        (4, 36),
        ((RT.EVACUATION, 35), (RT.DEPORTATION, 20), (RT.ASSISTED_VOLUNTARY, 30), (RT.VOLUNTARY_HUMANITARIAN, 8)),
        (
            "Rescued from a fishing boat after months at sea without pay.",
            "Worked on a trawler; wages kept by the captain to repay the broker.",
        ),
        trafficking=(60, 30, 10),
        debt_share=0.7,
    ),
    Scenario(
        "agriculture",
        "TH",
        10,
        (
            ("KR", 6, ("Nonsan, Chungcheongnam-do", "Icheon, Gyeonggi-do", "Jeju")),
            ("JP", 2, ("Ibaraki", "Gunma")),
            ("TW", 1, ("Changhua", "Yunlin")),
        ),
        (EX.FORCED_LABOUR,),
        ((IN.A, 1),),
        (CM.THREATS_LAW, CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.RESTRICTS_FINANCES, CM.FALSE_PROMISES),
        ((RM.ONLINE_SOCIAL, 4), (RM.FRIENDS, 4), (RM.BROKER, 3)),
        MIXED,
        (20, 50),
        (6, 36),
        ((RT.DEPORTATION, 45), (RT.SPONTANEOUS, 30), (RT.ASSISTED_VOLUNTARY, 15), (RT.OTHER, 5)),
        (
            "Worked on farms without a permit; arrested and deported.",
            "Came back on their own after long unpaid hours on a farm.",
        ),
        trafficking=(30, 30, 40),
    ),
    Scenario(
        "sexual",
        "TH",
        14,
        (
            ("JP", 4, ("Shinjuku, Tokyo", "Ibaraki", "Gunma")),
            ("MY", 4, ("Kuala Lumpur", "Johor Bahru", "Penang")),
            ("AE", 2, ("Dubai",)),
            ("SG", 1, ("Singapore",)),
            ("HK", 1, ("Kowloon",)),
        ),
        (EX.SEXUAL,),
        ((IN.R, 4), (IN.S, 1)),
        (
            CM.DEBT_BONDAGE,
            CM.SEXUAL_ABUSE,
            CM.WITHHOLDS_DOCUMENTS,
            CM.THREATS_LAW,
            CM.PSYCHOLOGICAL_ABUSE,
            CM.SUBSTANCES,
            CM.FALSE_PROMISES,
        ),
        ((RM.FRIENDS, 4), (RM.ONLINE_SOCIAL, 3), (RM.BROKER, 2), (RM.FAMILY, 1)),
        SEX_INDUSTRY_GENDERS,
        (18, 35),
        (2, 30),
        (
            (RT.ASSISTED_VOLUNTARY, 35),
            (RT.VOLUNTARY_HUMANITARIAN, 12),
            (RT.EVACUATION, 25),
            (RT.DEPORTATION, 15),
            (RT.SPONTANEOUS, 10),
        ),
        (
            "Promised work in a restaurant abroad; forced into sex work to repay a debt.",
            "Identified after a police raid on an entertainment venue.",
        ),
        transit=(("JP", "MY", "Kuala Lumpur"), ("AE", "MY", "Kuala Lumpur")),
        trafficking=(65, 30, 5),
        debt_share=0.65,
    ),
    Scenario(
        "construction",
        "TH",
        10,
        (
            ("SA", 3, ("Riyadh", "Dammam")),
            ("AE", 2, ("Abu Dhabi", "Dubai")),
            ("TW", 2, ("Taoyuan",)),
            ("MY", 2, ("Kuala Lumpur",)),
            ("KR", 1, ("Hwaseong, Gyeonggi-do",)),
        ),
        (EX.FORCED_LABOUR,),
        ((IN.F, 1),),
        (CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.WITHHOLDS_DOCUMENTS, CM.DEBT_BONDAGE, CM.FALSE_PROMISES),
        ((RM.BROKER, 7), (RM.NEWSPAPER_AD, 1), (RM.FRIENDS, 2)),
        MOSTLY_MEN,
        (20, 52),
        (6, 30),
        (
            (RT.SPONTANEOUS, 30),
            (RT.ASSISTED_VOLUNTARY, 30),
            (RT.DEPORTATION, 25),
            (RT.OTHER, 8),
            (RT.VOLUNTARY_HUMANITARIAN, 5),
        ),
        (
            "Construction worker; months of wages unpaid and passport kept by the employer.",
            "Came back after the construction company stopped paying wages.",
        ),
        trafficking=(30, 30, 40),
        debt_share=0.6,
    ),
    Scenario(
        "manufacturing",
        "TH",
        10,
        (
            ("TW", 5, ("Taoyuan", "Taichung", "Changhua")),
            ("JP", 3, ("Aichi", "Gifu")),
            ("KR", 2, ("Ansan, Gyeonggi-do",)),
        ),
        (EX.FORCED_LABOUR,),
        ((IN.C, 1),),
        (CM.DEBT_BONDAGE, CM.WITHHOLDS_DOCUMENTS, CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.THREATS_LAW),
        ((RM.BROKER, 7), (RM.ONLINE_AD, 2), (RM.FRIENDS, 1)),
        ((MAN, 55), (WOMAN, 45)),
        (20, 45),
        (6, 36),
        (
            (RT.SPONTANEOUS, 30),
            (RT.ASSISTED_VOLUNTARY, 30),
            (RT.DEPORTATION, 20),
            (RT.OTHER, 10),
            (RT.VOLUNTARY_HUMANITARIAN, 10),
        ),
        (
            "Factory worker; placement fees far above the legal limit, repaid from wages.",
            "Technical intern who left the factory after months of unpaid overtime.",
        ),
        trafficking=(30, 35, 35),
        debt_share=0.75,
    ),
    Scenario(
        "scam",
        "TH",
        14,
        (
            ("MM", 6, ("Myawaddy (KK Park)", "Shwe Kokko, Myawaddy", "Tachileik")),
            ("KH", 3, ("Sihanoukville", "Bavet", "O'Smach")),
        ),
        (EX.FORCED_CRIMINALITY, EX.FORCED_LABOUR),
        ((IN.N, 1),),
        (
            CM.PHYSICAL_ABUSE,
            CM.PHYSICAL_THREATS,
            CM.WITHHOLDS_DOCUMENTS,
            CM.DEBT_BONDAGE,
            CM.EXCESSIVE_HOURS,
            CM.RESTRICTS_FINANCES,
            CM.THREATENS_FAMILY,
        ),
        ((RM.ONLINE_AD, 5), (RM.ONLINE_SOCIAL, 4), (RM.FRIENDS, 2)),
        ((MAN, 60), (WOMAN, 38), (Gender.NON_CONFORMING, 2)),
        (19, 38),
        (1, 14),
        ((RT.EVACUATION, 40), (RT.VOLUNTARY_HUMANITARIAN, 30), (RT.DEPORTATION, 15), (RT.ASSISTED_VOLUNTARY, 15)),
        (
            "Answered an online job advert; held in a scam compound and forced to defraud people online.",
            "Released from a scam centre across the border after the family paid a ransom.",
        ),
        transit=(("MM", "TH", "Mae Sot, Tak"), ("KH", "TH", "Aranyaprathet, Sa Kaeo")),
        trafficking=(60, 35, 5),
        debt_share=0.35,
    ),
    Scenario(
        "domestic",
        "TH",
        5,
        (("SA", 2, ("Riyadh",)), ("HK", 2, ("Sha Tin",)), ("MY", 2, ("Kuala Lumpur",)), ("SG", 1, ("Singapore",))),
        (EX.FORCED_LABOUR, EX.SERVITUDE),
        ((IN.T, 1),),
        (CM.WITHHOLDS_DOCUMENTS, CM.EXCESSIVE_HOURS, CM.WITHHOLDS_NECESSITIES, CM.PSYCHOLOGICAL_ABUSE),
        ((RM.BROKER, 5), (RM.FRIENDS, 3), (RM.FAMILY, 2)),
        ((WOMAN, 95), (MAN, 5)),
        (22, 50),
        (6, 30),
        ((RT.ASSISTED_VOLUNTARY, 45), (RT.SPONTANEOUS, 35), (RT.EVACUATION, 10), (RT.OTHER, 5)),
        ("Domestic worker who ran away from the employer's house to the embassy.",),
    ),
    Scenario(
        "hospitality",
        "TH",
        4,
        (("AE", 2, ("Dubai",)), ("SG", 1, ("Singapore",)), ("JP", 1, ("Osaka",))),
        (EX.FORCED_LABOUR,),
        ((IN.I, 3), (IN.S, 1)),
        (CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.WITHHOLDS_DOCUMENTS, CM.FALSE_PROMISES),
        ((RM.FRIENDS, 4), (RM.ONLINE_SOCIAL, 3), (RM.BROKER, 3)),
        ((WOMAN, 70), (MAN, 30)),
        (20, 40),
        (3, 24),
        ((RT.ASSISTED_VOLUNTARY, 40), (RT.SPONTANEOUS, 40), (RT.OTHER, 10), (RT.DEPORTATION, 10)),
        ("Cook and spa worker abroad; wages withheld for months.",),
        trafficking=(25, 35, 40),
    ),
    # --- returning to the Philippines
    Scenario(
        "domestic",
        "PH",
        30,
        (
            ("SA", 5, ("Riyadh", "Jeddah", "Dammam")),
            ("AE", 3, ("Dubai", "Abu Dhabi", "Sharjah")),
            ("HK", 4, ("Kowloon", "Sha Tin", "Tuen Mun")),
            ("MY", 2, ("Kota Kinabalu, Sabah", "Kuala Lumpur")),
            ("SG", 1, ("Singapore",)),
        ),
        (EX.FORCED_LABOUR,),
        ((IN.T, 1),),
        (
            CM.WITHHOLDS_DOCUMENTS,
            CM.EXCESSIVE_HOURS,
            CM.WITHHOLDS_NECESSITIES,
            CM.PHYSICAL_ABUSE,
            CM.SEXUAL_ABUSE,
            CM.PSYCHOLOGICAL_ABUSE,
            CM.TAKES_EARNINGS,
            CM.RESTRICTS_MEDICAL,
        ),
        ((RM.BROKER, 5), (RM.FRIENDS, 2), (RM.ONLINE_SOCIAL, 2), (RM.FAMILY, 1)),
        ((WOMAN, 97), (MAN, 3)),
        (23, 50),
        (3, 36),
        (
            (RT.ASSISTED_VOLUNTARY, 40),
            (RT.SPONTANEOUS, 15),
            (RT.DEPORTATION, 10),
            (RT.EVACUATION, 20),
            (RT.VOLUNTARY_HUMANITARIAN, 10),
            (RT.OTHER, 5),
        ),
        (
            "Household service worker; ran to the embassy shelter after abuse by the employer.",
            "Domestic worker who was not paid for months and not allowed to leave the house.",
        ),
        transit=(("SA", "AE", "Dubai"), ("AE", "MY", "Kota Kinabalu, Sabah")),
    ),
    Scenario(
        "fishing",
        "PH",
        8,
        (("TW", 4, ("Kaohsiung (distant-water vessel)", "Donggang, Pingtung")), ("KR", 1, ("Busan",))),
        (EX.FORCED_LABOUR,),
        ((IN.A, 1),),
        (
            CM.DEBT_BONDAGE,
            CM.EXCESSIVE_HOURS,
            CM.PHYSICAL_ABUSE,
            CM.WITHHOLDS_DOCUMENTS,
            CM.TAKES_EARNINGS,
            CM.WITHHOLDS_NECESSITIES,
        ),
        ((RM.BROKER, 8), (RM.FRIENDS, 2)),
        ((MAN, 100),),
        (19, 50),
        (6, 30),
        ((RT.EVACUATION, 30), (RT.ASSISTED_VOLUNTARY, 40), (RT.SPONTANEOUS, 10), (RT.DEPORTATION, 10), (RT.OTHER, 10)),
        ("Fisher on a distant-water vessel; salary deductions and beatings on board.",),
        transit=(("TW", "SG", "Singapore"),),
        trafficking=(55, 35, 10),
        debt_share=0.7,
    ),
    Scenario(
        "construction",
        "PH",
        10,
        (("SA", 3, ("Riyadh", "Jeddah")), ("AE", 2, ("Dubai", "Abu Dhabi")), ("TW", 1, ("Taipei",))),
        (EX.FORCED_LABOUR,),
        ((IN.F, 1),),
        (CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.WITHHOLDS_DOCUMENTS, CM.FALSE_PROMISES, CM.WITHHOLDS_NECESSITIES),
        ((RM.BROKER, 8), (RM.NEWSPAPER_AD, 1), (RM.FRIENDS, 1)),
        ((MAN, 98), (WOMAN, 2)),
        (21, 52),
        (6, 30),
        ((RT.SPONTANEOUS, 30), (RT.ASSISTED_VOLUNTARY, 35), (RT.DEPORTATION, 20), (RT.OTHER, 10)),
        ("Construction worker; employer stopped paying and kept the residence permit.",),
        trafficking=(30, 30, 40),
    ),
    Scenario(
        "manufacturing",
        "PH",
        10,
        (("TW", 5, ("Taoyuan", "Hsinchu", "Taichung")), ("JP", 3, ("Aichi", "Saitama")), ("KR", 2, ("Ansan",))),
        (EX.FORCED_LABOUR,),
        ((IN.C, 1),),
        (CM.DEBT_BONDAGE, CM.WITHHOLDS_DOCUMENTS, CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS),
        ((RM.BROKER, 8), (RM.ONLINE_AD, 2)),
        ((MAN, 50), (WOMAN, 50)),
        (21, 45),
        (6, 36),
        ((RT.SPONTANEOUS, 30), (RT.ASSISTED_VOLUNTARY, 35), (RT.DEPORTATION, 15), (RT.OTHER, 10)),
        ("Factory worker; excessive placement fees and salary deductions.",),
        trafficking=(30, 35, 35),
        debt_share=0.75,
    ),
    Scenario(
        "sexual",
        "PH",
        12,
        (
            ("JP", 3, ("Nagoya", "Osaka")),
            ("MY", 4, ("Kota Kinabalu, Sabah", "Kuala Lumpur")),
            ("AE", 1, ("Dubai",)),
            ("SG", 1, ("Singapore",)),
        ),
        (EX.SEXUAL,),
        ((IN.R, 1),),
        (CM.DEBT_BONDAGE, CM.SEXUAL_ABUSE, CM.WITHHOLDS_DOCUMENTS, CM.FALSE_PROMISES, CM.PSYCHOLOGICAL_ABUSE),
        ((RM.FRIENDS, 4), (RM.ONLINE_SOCIAL, 3), (RM.FAMILY, 2), (RM.BROKER, 1)),
        SEX_INDUSTRY_GENDERS,
        (18, 35),
        (2, 24),
        ((RT.ASSISTED_VOLUNTARY, 40), (RT.EVACUATION, 25), (RT.DEPORTATION, 20), (RT.VOLUNTARY_HUMANITARIAN, 10)),
        (
            "Recruited as an entertainer; forced into prostitution in a bar.",
            "Rescued in a raid on a karaoke bar.",
        ),
        transit=(("MY", "PH", "Zamboanga City"),),
        trafficking=(70, 25, 5),
        debt_share=0.6,
    ),
    Scenario(
        "agriculture",
        "PH",
        6,
        (("MY", 4, ("Sandakan, Sabah", "Lahad Datu, Sabah", "Tawau, Sabah")), ("JP", 1, ("Ibaraki",))),
        (EX.FORCED_LABOUR,),
        ((IN.A, 1),),
        (CM.DEBT_BONDAGE, CM.THREATS_LAW, CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS),
        ((RM.FAMILY, 3), (RM.FRIENDS, 4), (RM.BROKER, 3)),
        ((MAN, 65), (WOMAN, 35)),
        (18, 50),
        (6, 48),
        ((RT.DEPORTATION, 50), (RT.ASSISTED_VOLUNTARY, 25), (RT.SPONTANEOUS, 20)),
        ("Plantation worker without papers; deported by boat.",),
        transit=(("MY", "PH", "Zamboanga City"),),
        trafficking=(25, 35, 40),
    ),
    Scenario(
        "scam",
        "PH",
        12,
        (("MM", 5, ("Myawaddy (KK Park)", "Shwe Kokko, Myawaddy")), ("KH", 4, ("Sihanoukville", "Phnom Penh"))),
        (EX.FORCED_CRIMINALITY,),
        ((IN.N, 1),),
        (
            CM.PHYSICAL_ABUSE,
            CM.PHYSICAL_THREATS,
            CM.WITHHOLDS_DOCUMENTS,
            CM.DEBT_BONDAGE,
            CM.EXCESSIVE_HOURS,
            CM.THREATENS_FAMILY,
        ),
        ((RM.ONLINE_AD, 5), (RM.ONLINE_SOCIAL, 4), (RM.FRIENDS, 2)),
        ((MAN, 55), (WOMAN, 45)),
        (20, 38),
        (1, 12),
        ((RT.VOLUNTARY_HUMANITARIAN, 30), (RT.EVACUATION, 40), (RT.DEPORTATION, 15), (RT.ASSISTED_VOLUNTARY, 15)),
        ("Offered a customer-service job abroad; forced to run online scams in a guarded compound.",),
        transit=(("MM", "TH", "Mae Sot, Tak"), ("KH", "TH", "Bangkok")),
        trafficking=(65, 30, 5),
        debt_share=0.3,
    ),
    Scenario(
        "hospitality",
        "PH",
        6,
        (("AE", 3, ("Dubai",)), ("SA", 1, ("Jeddah",)), ("HK", 1, ("Kowloon",))),
        (EX.FORCED_LABOUR,),
        ((IN.I, 1),),
        (CM.EXCESSIVE_HOURS, CM.TAKES_EARNINGS, CM.WITHHOLDS_DOCUMENTS, CM.FALSE_PROMISES),
        ((RM.ONLINE_SOCIAL, 4), (RM.BROKER, 4), (RM.FRIENDS, 2)),
        ((WOMAN, 60), (MAN, 40)),
        (21, 40),
        (3, 24),
        ((RT.ASSISTED_VOLUNTARY, 40), (RT.SPONTANEOUS, 40), (RT.OTHER, 10), (RT.DEPORTATION, 10)),
        ("Came on a visit visa for a hotel job; worked long hours without a contract.",),
        trafficking=(25, 35, 40),
    ),
]

ARRIVALS = {
    ("TH", "MY"): ["Sadao border checkpoint, Songkhla", "Suvarnabhumi Airport"],
    ("TH", "MM"): ["Mae Sot border checkpoint, Tak", "Mae Sai border checkpoint, Chiang Rai"],
    ("TH", "KH"): ["Aranyaprathet border checkpoint, Sa Kaeo"],
    ("TH", ""): ["Suvarnabhumi Airport", "Don Mueang Airport"],
    ("PH", "MY"): ["Zamboanga City port", "NAIA Terminal 1"],
    ("PH", ""): ["NAIA Terminal 1", "NAIA Terminal 3", "Clark International Airport"],
}
ASSISTING = {
    ("TH", "MY"): ["my-thai-embassy-kl", "th-mfa-consular", "my-ngo-shelter-penang"],
    ("TH", "JP"): ["jp-thai-embassy-tokyo", "th-mfa-consular"],
    ("TH", "MM"): ["th-rtp-atpd", "th-immigration"],
    ("TH", "KH"): ["th-mfa-consular", "th-immigration"],
    ("TH", ""): ["th-mfa-consular"],
    ("PH", "SA"): ["sa-mwo-riyadh", "ph-dmw", "ph-owwa"],
    ("PH", "AE"): ["ae-mwo-dubai", "ph-dmw"],
    ("PH", "HK"): ["hk-pcg", "hk-ngo-migrant-helpers"],
    ("PH", "TW"): ["tw-meco", "ph-dmw"],
    ("PH", "MM"): ["ph-dfa-oumwa", "ph-iacat"],
    ("PH", "KH"): ["ph-dfa-oumwa", "ph-iacat"],
    ("PH", ""): ["ph-dfa-oumwa"],
}
FOREIGN_DEBT = {"JP": ("JPY", 10_000, (50, 300)), "TW": ("TWD", 1_000, (30, 120)), "MY": ("MYR", 500, (4, 30))}
HOME_CREDITORS = ["Recruitment broker", "Village moneylender", "Relatives", "Recruitment agency", "Lending company"]
ABROAD_CREDITORS = ["Employer abroad", "Boat captain", "Venue owner", "Compound managers"]

# --- Referrals between the demo agencies -------------------------------------------------------

IDENTITY, CONTACT, PROFILE, HISTORY, RETURN_DATA, NOTES = (
    DataCategory.IDENTITY,
    DataCategory.CONTACT,
    DataCategory.PROFILE,
    DataCategory.HISTORY,
    DataCategory.RETURN,
    DataCategory.NOTES,
)
SHELTER_DATA = (IDENTITY, PROFILE, HISTORY, RETURN_DATA)
COUNSEL_DATA = (IDENTITY, PROFILE, HISTORY)
LEGAL_DATA = (IDENTITY, CONTACT, HISTORY, RETURN_DATA)
WORK_DATA = (IDENTITY, CONTACT, PROFILE)
TRANSFER_DATA = (IDENTITY, CONTACT, PROFILE, HISTORY, RETURN_DATA, NOTES)
MORE = ReferralReason.ADDITIONAL_SERVICES
MOVING = ReferralReason.MIGRATION


@dataclass(frozen=True)
class Option:
    """A referral a case of this agency may need."""

    to: str
    category: str  # of the receiving agency's service
    stage: Stage
    reason: ReferralReason
    text: str
    data: tuple[DataCategory, ...]
    urgency: Urgency = Urgency.ROUTINE
    service_hint: str = ""  # a word of the service's name, when the agency has several of the category
    women_only: bool = False
    adults_only: bool = False
    regions: tuple[str, ...] = ()  # home regions it suits; empty for any
    early_only: bool = False  # only for cases still before or just after the return


TH_SHELTERS = [
    Option(
        "th-ngo-mekong-home",
        "shelter",
        SHEL,
        MORE,
        "Needs a safe place to stay for a few weeks while the family is prepared for the return.",
        SHELTER_DATA,
        Urgency.PRIORITY,
    ),
    Option(
        "th-shelter-nonthaburi",
        "shelter",
        SHEL,
        MORE,
        "Needs a protected shelter near Bangkok during the court case against the recruiters.",
        SHELTER_DATA,
        Urgency.PRIORITY,
        women_only=True,
    ),
]
OPTIONS: dict[str, list[Option]] = {
    "th-msdhs-chiangrai": [
        *TH_SHELTERS,
        Option(
            "th-ngo-mekong-home",
            "psychosocial_counselling",
            SHEL,
            MORE,
            "Asks for counselling; sleeps badly since the return.",
            COUNSEL_DATA,
        ),
        Option(
            "th-dsd-chiangrai",
            "vocational_training",
            REINT,
            MORE,
            "Wants to train as an electrician; needs the stipend to support the family meanwhile.",
            WORK_DATA,
            service_hint="Electrician",
            adults_only=True,
            regions=("north",),
        ),
        Option(
            "th-dsd-chiangrai",
            "vocational_training",
            REINT,
            MORE,
            "Interested in hotel work; asks for the housekeeping and front-office course.",
            WORK_DATA,
            service_hint="Hotel",
            adults_only=True,
            regions=("north",),
        ),
        Option(
            "th-doe-chiangrai",
            "job_placement",
            REINT,
            MORE,
            "Looking for a job near home with a regular wage.",
            WORK_DATA,
            regions=("north",),
        ),
        Option(
            "th-employer-lanna-foods",
            "job_placement",
            REINT,
            MORE,
            "Interested in the paid apprenticeship in food processing.",
            WORK_DATA,
            adults_only=True,
            regions=("north",),
        ),
        Option(
            "th-ngo-mekong-home",
            "legal_aid",
            REINT,
            MORE,
            "Claims unpaid wages and compensation; needs a lawyer to file the claim.",
            LEGAL_DATA,
        ),
        Option(
            "th-msdhs-udonthani",
            "family_tracing",
            REINT,
            MOVING,
            "Is going home to Isan; please continue the reintegration case there.",
            TRANSFER_DATA,
            regions=("isan",),
        ),
        Option(
            "th-isan-microfinance",
            "microcredit",
            REINT,
            MORE,
            "Wants to open a grocery stall at home in Isan; needs a loan without collateral.",
            WORK_DATA,
            adults_only=True,
            regions=("isan",),
        ),
    ],
    "th-msdhs-udonthani": [
        *TH_SHELTERS,
        Option(
            "th-ngo-mekong-home",
            "psychosocial_counselling",
            SHEL,
            MORE,
            "Returned through the northern border; asks for trauma counselling before going home.",
            COUNSEL_DATA,
        ),
        Option(
            "th-isan-microfinance",
            "microcredit",
            REINT,
            MORE,
            "Wants to open a grocery stall in the village; needs a loan without collateral.",
            WORK_DATA,
            adults_only=True,
            regions=("isan",),
        ),
        Option(
            "th-isan-microfinance",
            "business_startup",
            REINT,
            MORE,
            "Asks for the business start-up training before taking a loan for a noodle shop.",
            WORK_DATA,
            adults_only=True,
            regions=("isan",),
        ),
        Option(
            "th-ngo-mekong-home",
            "legal_aid",
            REINT,
            MORE,
            "Wants to claim the unpaid wages from the recruitment agency.",
            LEGAL_DATA,
        ),
        Option(
            "th-msdhs-chiangrai",
            "family_tracing",
            REINT,
            MOVING,
            "Is moving to relatives in Chiang Rai; please continue the case there.",
            TRANSFER_DATA,
            regions=("north",),
        ),
        Option(
            "th-dsd-chiangrai",
            "vocational_training",
            REINT,
            MORE,
            "Settling in Chiang Rai; wants the electrician course with stipend.",
            WORK_DATA,
            service_hint="Electrician",
            adults_only=True,
            regions=("north",),
        ),
    ],
    "ph-dswd-ncr": [
        Option(
            "ph-dmw",
            "reception",
            RET,
            MORE,
            "Arriving at NAIA; please provide airport assistance and transport to the shelter.",
            (IDENTITY, CONTACT, RETURN_DATA),
            Urgency.URGENT,
            early_only=True,
        ),
        Option(
            "ph-ngo-bahay-pag-asa",
            "shelter",
            SHEL,
            MORE,
            "Needs temporary shelter in Metro Manila until the family can be reached.",
            SHELTER_DATA,
            Urgency.PRIORITY,
            women_only=True,
        ),
        Option(
            "ph-dswd-region7",
            "shelter",
            SHEL,
            MOVING,
            "Going home to the Visayas; needs residential care on arrival in Cebu.",
            SHELTER_DATA,
            Urgency.PRIORITY,
            women_only=True,
            regions=("visayas",),
        ),
        Option(
            "ph-owwa",
            "business_startup",
            REINT,
            MORE,
            "Wants to start a sari-sari store; asks for the livelihood package.",
            WORK_DATA,
            adults_only=True,
        ),
        Option(
            "ph-owwa",
            "education_support",
            REINT,
            MORE,
            "The children need help to stay in school; asks for a scholarship.",
            WORK_DATA,
        ),
        Option(
            "ph-dmw",
            "job_placement",
            REINT,
            MORE,
            "Wants a job in the Philippines rather than another contract abroad.",
            WORK_DATA,
            adults_only=True,
        ),
        Option(
            "ph-ngo-bahay-pag-asa",
            "legal_aid",
            REINT,
            MORE,
            "Wants to file a case against the illegal recruiter.",
            LEGAL_DATA,
        ),
        Option(
            "ph-dswd-region7",
            "family_tracing",
            REINT,
            MOVING,
            "Going home to the province; please continue the reintegration support there.",
            TRANSFER_DATA,
            regions=("visayas",),
        ),
        Option(
            "ph-tesda-cebu",
            "vocational_training",
            REINT,
            MORE,
            "Going home to Cebu; wants the welding course with training allowance.",
            WORK_DATA,
            service_hint="Welding",
            adults_only=True,
            regions=("visayas",),
        ),
    ],
    "ph-dswd-region7": [
        Option(
            "ph-dmw",
            "reception",
            RET,
            MORE,
            "Arriving at Mactan-Cebu airport; please provide airport assistance.",
            (IDENTITY, CONTACT, RETURN_DATA),
            Urgency.URGENT,
            early_only=True,
        ),
        Option(
            "ph-tesda-cebu",
            "vocational_training",
            REINT,
            MORE,
            "Wants the welding course; the training allowance lets them support the family meanwhile.",
            WORK_DATA,
            service_hint="Welding",
            adults_only=True,
            regions=("visayas",),
        ),
        Option(
            "ph-tesda-cebu",
            "vocational_training",
            REINT,
            MORE,
            "Wants to bake for the neighbourhood; asks for the bread and pastry course.",
            WORK_DATA,
            service_hint="Bread",
            adults_only=True,
            regions=("visayas",),
        ),
        Option(
            "ph-bayanihan-microfinance",
            "microcredit",
            REINT,
            MORE,
            "Wants a loan to stock a sari-sari store.",
            WORK_DATA,
            adults_only=True,
            regions=("visayas",),
        ),
        Option(
            "ph-employer-visayas-bpo",
            "job_placement",
            REINT,
            MORE,
            "Speaks good English; interested in the paid call-centre training.",
            WORK_DATA,
            adults_only=True,
            regions=("visayas",),
        ),
        Option(
            "ph-owwa",
            "business_startup",
            REINT,
            MORE,
            "Asks for the livelihood package to start a small eatery.",
            WORK_DATA,
            adults_only=True,
        ),
        Option(
            "ph-owwa",
            "education_support",
            REINT,
            MORE,
            "Wants to finish senior high school; asks for a scholarship.",
            WORK_DATA,
        ),
        Option(
            "ph-dswd-ncr",
            "family_tracing",
            REINT,
            MOVING,
            "Moving to relatives in Metro Manila; please continue the case there.",
            TRANSFER_DATA,
            regions=("ncr",),
        ),
    ],
}

DECLINE_REASONS = [
    "The course is full until the next intake; please refer again next quarter.",
    "Outside our service area: the returnee lives too far from the centre.",
    "The shelter is at capacity this month.",
    "The service does not match the returnee's needs; we suggest the employment office.",
]
CANCEL_REASONS = [
    "No answer after three weeks; referred to another service.",
    "The returnee found work without this service.",
    "The returnee decided not to take part.",
    "The returnee moved away from the service area.",
]
REVOKE_REASONS = [
    "The returnee moved to another province; the service ends here.",
    "The returnee asked to stop the service.",
    "Service no longer needed: the returnee started work.",
]
COMPLETE_REASONS = {
    "vocational_training": [
        "Completed the course with a certificate; placed with a local employer.",
        "Completed the course; now works on their own with a small income.",
        "Completed the course; still looking for work, follow-up agreed.",
    ],
    "shelter": ["Went home after the family visit went well.", "Left the shelter to live with a sibling."],
    "job_placement": ["Hired after the apprenticeship; regular monthly wage.", "Placed in a job near home."],
    "": ["Service completed.", "Completed as planned."],
}
PROVIDER_NOTES = {
    "vocational_training": "Enrolled in the course; attendance good so far, stipend paid monthly.",
    "shelter": "Settled in at the shelter; medical check done and first counselling session held.",
    "psychosocial_counselling": "Counselling sessions every week; sleeping better.",
    "legal_aid": "Documents collected; the claim will be filed with the labour court.",
    "family_tracing": "Home visit done; family ready to support the return.",
}
OVERRIDE_REASONS = {
    "TH": "Child-protection emergency: a child at risk of being taken again by the recruiter, "
    "a relative; no parent or guardian can be reached to give consent. Shelter needed tonight.",
    "PH": "Child-protection emergency: a minor arriving alone, the recruiter waiting at home; "
    "no parent or guardian reachable to consent. Temporary shelter needed on arrival.",
}

# --- Tasks, notes, closures -------------------------------------------------------------------

TASKS = [
    "Home visit to meet the family",
    "Accompany to the district hospital for a health check",
    "Help replace the lost identity card",
    "Collect documents for the compensation claim",
    "Discuss a repayment plan for the debt",
    "Help enrol the children in school",
    "Prepare the reintegration plan with the returnee",
    "Check the training schedule and the stipend",
    "Ask the employment office about local vacancies",
    "Assess skills and work experience",
]
# Days after the return. The sustainability assessments (3, 6 and 12 months) bring their own tasks.
FOLLOW_UPS = [
    (30, "Follow-up call one month after the return"),
    (60, "Check that the returnee is in work or training"),
    (540, "Eighteen-month follow-up visit"),
    (730, "Two-year follow-up call before closing"),
]
NOTES_ANY = [
    "Wants work close to home so as to look after the children.",
    "Family was worried about the debt; talked through a repayment plan with them.",
    "Asks not to be visited in uniform or in a marked car; neighbours do not know about the case.",
    "Interested in learning a trade that pays; not interested in handicraft courses.",
    "Health check done; no urgent needs.",
    "Would like to go abroad again later, through a licensed agency this time.",
    "Keeps in touch by phone every two weeks.",
]
NOTES_LOCAL = {
    "TH": ["เยี่ยมบ้านแล้ว ครอบครัวยินดีต้อนรับกลับ", "ผู้รับบริการต้องการหางานใกล้บ้าน"],
    "PH": ["Nakausap ang pamilya; handa silang tumulong.", "Gusto niyang magtayo ng sari-sari store."],
}
CLOSURE_REASONS = [
    "Reintegration goals reached: stable income for six months and the debt under control.",
    "Employed for over a year; family support in place.",
    "The returnee asked to close the case and knows how to reach us.",
    "Runs a small business with regular income; no further support needed.",
    "Moved abroad again through a licensed agency and asked to close the case.",
]

STAGE_WEIGHTS = [(ID, 8), (RET, 7), (SHEL, 14), (REINT, 30), (FOLLOW, 17), (CLOSED, 24)]
DAYS_SINCE_RETURN = {
    ID: (0, 20),
    RET: (0, 12),
    SHEL: (10, 150),
    REINT: (60, 720),
    FOLLOW: (330, 1090),
    CLOSED: (420, 1095),
}
REFERRAL_COUNTS = {
    ID: [(0, 5), (1, 5)],
    RET: [(0, 5), (1, 5)],
    SHEL: [(1, 7), (2, 3)],
    REINT: [(0, 1), (1, 5), (2, 4)],
    FOLLOW: [(1, 4), (2, 4), (3, 2)],
    CLOSED: [(1, 5), (2, 4), (3, 1)],
}
SHARING_CONSENT_DAYS = {ID: (0, 3), RET: (0, 7), SHEL: (0, 20), REINT: (20, 150), FOLLOW: (150, 400)}
STATUS_WEIGHTS = {
    # (when, has a receiving user): weights
    ("current", True): [
        (ReferralStatus.PENDING, 15),
        (ReferralStatus.ACCEPTED, 25),
        (ReferralStatus.IN_PROGRESS, 30),
        (ReferralStatus.DECLINED, 10),
        (ReferralStatus.COMPLETED, 10),
        (ReferralStatus.REVOKED, 6),
        (ReferralStatus.CANCELLED, 4),
    ],
    ("current", False): [(ReferralStatus.PENDING, 75), (ReferralStatus.CANCELLED, 25)],
    ("past", True): [
        (ReferralStatus.COMPLETED, 65),
        (ReferralStatus.DECLINED, 12),
        (ReferralStatus.REVOKED, 10),
        (ReferralStatus.CANCELLED, 5),
        (ReferralStatus.IN_PROGRESS, 8),
        (ReferralStatus.ACCEPTED, 4),
    ],
    ("past", False): [(ReferralStatus.PENDING, 45), (ReferralStatus.CANCELLED, 55)],
    ("closed", True): [
        (ReferralStatus.COMPLETED, 75),
        (ReferralStatus.DECLINED, 10),
        (ReferralStatus.REVOKED, 8),
        (ReferralStatus.CANCELLED, 7),
    ],
    ("closed", False): [(ReferralStatus.CANCELLED, 1)],
}
ZONES = {"TH": ZoneInfo("Asia/Bangkok"), "PH": ZoneInfo("Asia/Manila")}


@dataclass
class Plan:
    """Everything drawn for one case before any service runs."""

    opener: User
    country: str
    stage: Stage
    returnee: dict[str, Any]
    summary: str
    opened_at: datetime.datetime
    opened_on: datetime.date
    history: list[dict[str, Any]]
    journey: dict[str, Any] | None
    assisting: list[str]
    consent_language: str
    statistics: bool
    path: list[Stage]
    referrals: list[tuple[Option, ReferralStatus, Stage]]
    tasks: list[tuple[str, datetime.date, bool, float]]
    notes: list[str]
    closure: str = ""  # "approved", "requested", "refused" or ""
    closure_reason: str = ""
    override: Option | None = None
    withdraw_statistics: bool = False
    rolls: list[float] = field(default_factory=list)
    shared: list[Consent] = field(default_factory=list)  # active sharing consents recorded so far


class Generator:
    def __init__(self, *, users: dict[str, User], agencies: dict[str, Agency]) -> None:
        self.rng = random.Random(SEED)  # reproducible demo data, not security
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.users = users
        self.agencies = agencies
        self.services: dict[int, list[Service]] = {}
        for service in Service.objects.filter(active=True).order_by("pk"):
            self.services.setdefault(service.agency_id, []).append(service)
        # Who acts for an agency: its demo users, caseworkers and providers before supervisors.
        self.receivers: dict[str, User] = {}
        self.supervisors: dict[str, User] = {}
        for username, _first, _last, slug, role in USERS:
            user = users.get(username)
            if user is None:
                continue
            if role == Role.SUPERVISOR:
                self.supervisors.setdefault(slug, user)
            if role in (Role.CASEWORKER, Role.PROVIDER_STAFF):
                self.receivers.setdefault(slug, user)
        for slug, user in self.supervisors.items():
            self.receivers.setdefault(slug, user)
        self.phone_serial = 0

    # --- drawing ------------------------------------------------------------------------------

    def day(self, base: datetime.date, offset: int) -> datetime.date:
        return min(self.today, base + datetime.timedelta(days=offset))

    def plan(self, opener: User, *, stage: Stage | None = None, minor: bool = False, scenario: str = "") -> Plan:
        rng = self.rng
        assert opener.agency is not None  # noqa: S101
        slug, country = opener.agency.slug, opener.agency.country
        if stage is None:
            stage = _pick(rng, STAGE_WEIGHTS)
            if stage == CLOSED and opener.role == Role.SUPERVISOR:
                stage = FOLLOW  # supervisors approve closures; their own cases stay open
        candidates = [s for s in SCENARIOS if s.origin == country and (not scenario or s.key == scenario)]
        story = _pick(rng, [(s, s.weight) for s in candidates])
        home = _pick(rng, HOMES[slug])
        gender = _pick(rng, story.genders)
        minor = minor or rng.random() < 0.03

        # When: the return, or (not yet returned) the day of the rescue or escape abroad.
        has_return = not (stage in (ID, RET) and rng.random() < 0.5)
        low, high = DAYS_SINCE_RETURN[stage]
        anchor = self.today - datetime.timedelta(days=rng.randint(low, high) if has_return else rng.randint(2, 25))
        # Out of the exploitation some days before the return (shelter, papers), or on the day of the rescue.
        ended = anchor - datetime.timedelta(days=rng.randint(1, 25) if has_return else 0)
        # Identified abroad after the escape or rescue, at the border, or after coming home.
        if has_return:
            offset = datetime.timedelta(days=rng.randint(-25, 20 if stage in (ID, RET, SHEL) else 45))
            opened_on = min(self.today, max(ended, anchor + offset))
        else:
            opened_on = self.day(anchor, rng.randint(0, 10))
        opened_time = datetime.time(rng.randint(8, 16), rng.randint(0, 59))
        opened_at = min(
            datetime.datetime.combine(opened_on, opened_time, tzinfo=ZONES[country]),
            self.now - datetime.timedelta(minutes=5),
        )

        # The person.
        age = rng.randint(15, 17) if minor else rng.randint(*story.ages)
        birth = anchor - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        months = rng.randint(story.months[0], min(story.months[1], 10 if minor else 99))
        returnee = self.person(rng, country, gender, home, age, birth, minor, story)
        returnee["age_at_intake"] = max(0, (opened_on - birth).days * 100 // 36525)
        trafficking: str = _pick(
            rng,
            [
                (TraffickingStatus.ACTUAL, story.trafficking[0]),
                (TraffickingStatus.POSSIBLE, story.trafficking[1]),
                (TraffickingStatus.NOT_A_VICTIM, story.trafficking[2]),
            ],
        )
        if stage == ID:
            trafficking = TraffickingStatus.POSSIBLE if rng.random() < 0.7 else ""
        if minor:
            trafficking = TraffickingStatus.ACTUAL
        returnee["trafficking_status"] = trafficking
        if trafficking in (TraffickingStatus.ACTUAL, TraffickingStatus.NOT_A_VICTIM):
            returnee["trafficking_status_decided_by"] = opener.agency

        # The migration: recruitment at home, maybe a transit, exploitation abroad.
        destination, _weight, dest_areas = _pick(rng, [(d, d[1]) for d in story.destinations])
        still_there = not has_return and stage == ID and rng.random() < 0.3
        started = ended - datetime.timedelta(days=months * 30 + rng.randint(0, 20))
        transits = [t for t in story.transit if t[0] == destination]
        transit = rng.choice(transits) if transits and rng.random() < 0.6 else None
        departed = started - datetime.timedelta(days=rng.randint(2, 10) if transit else 1)
        recruited = departed - datetime.timedelta(days=rng.randint(14, 150))
        recruited = max(recruited, birth + datetime.timedelta(days=365 * 13))
        method = _pick(rng, story.recruitment)
        relation = {
            RM.FAMILY: RecruiterRelation.FAMILIAL,
            RM.FRIENDS: RecruiterRelation.ACQUAINTED,
        }.get(method, rng.choice([RecruiterRelation.ACQUAINTED, RecruiterRelation.UNACQUAINTED]))
        history: list[dict[str, Any]] = [
            {
                "type": HistoryType.RECRUITMENT,
                "country": country,
                "area": home.area,
                "started_on": recruited,
                "ended_on": departed,
                "recruitment_methods": [method.value],
                "recruiter_relation": relation.value,
            }
        ]
        if transit:
            history.append(
                {
                    "type": HistoryType.TRANSIT,
                    "country": transit[1],
                    "area": transit[2],
                    "started_on": departed,
                    "ended_on": started,
                }
            )
        types = [e.value for e in story.exploitation]
        if minor and story.key in ("fishing", "agriculture", "domestic", "manufacturing"):
            types.append(EX.CHILD_LABOUR.value)
        if story.key == "domestic" and EX.SERVITUDE.value not in types and rng.random() < 0.2:
            types.append(EX.SERVITUDE.value)
        control = rng.sample(story.control, k=min(len(story.control), rng.randint(2, 4)))
        history.append(
            {
                "type": HistoryType.EXPLOITATION,
                "country": destination,
                "area": rng.choice(dest_areas),
                "started_on": started,
                "ended_on": None if still_there else ended,
                "exploitation_types": types,
                "industry": _pick(rng, story.industries).value,
                "control_means": [c.value for c in control],
                "duration_months": months,
            }
        )
        if rng.random() < story.debt_share:
            self.debt(rng, history, country, destination)

        journey: dict[str, Any] | None = None
        assisting: list[str] = []
        if has_return:
            return_type = _pick(rng, story.returns)
            arrivals = ARRIVALS.get((country, destination)) or ARRIVALS[(country, "")]
            if country == "PH" and slug == "ph-dswd-region7" and destination != "MY":
                arrivals = ["Mactan-Cebu International Airport", "NAIA Terminal 3"]
            documents = ""
            if return_type == RT.DEPORTATION:
                documents = "Deportation order; emergency travel document"
            elif return_type in (RT.ASSISTED_VOLUNTARY, RT.VOLUNTARY_HUMANITARIAN, RT.EVACUATION):
                documents = rng.choice(["Emergency travel document", "Passport recovered from the employer", ""])
            journey = {
                "country_from": destination,
                "returned_on": anchor,
                "return_type": return_type.value,
                "point_of_arrival": rng.choice(arrivals),
                "documents_issued": documents,
            }
            if return_type != RT.SPONTANEOUS:
                pool = ASSISTING.get((country, destination)) or ASSISTING[(country, "")]
                assisting = rng.sample(pool, k=rng.randint(1, len(pool)))
                immigration = "th-immigration" if country == "TH" else "ph-immigration"
                if return_type == RT.DEPORTATION and immigration not in assisting:
                    assisting.append(immigration)

        # The way through the stages.
        final = FOLLOW if stage == CLOSED else stage
        before_return = not has_return or opened_on < anchor
        if before_return:
            initial = _pick(rng, [(ID, 7), (RET, 3)])
        else:
            initial = _pick(rng, [(ID, 5), (SHEL, 35), (REINT, 15)])
        if _rank(initial) > _rank(final):
            initial = final
        path = [initial]
        for s in STAGES[_rank(initial) + 1 : _rank(final) + 1]:
            if s == final or (rng.random() < 0.4 and not (s == RET and not before_return)):
                path.append(s)

        # Referrals: distinct receiving agencies, suited to the person.
        options = [
            o
            for o in OPTIONS[slug]
            if (not o.women_only or gender in (WOMAN, TRANS_WOMAN))
            and not (o.adults_only and minor)
            and (not o.regions or home.region in o.regions)
            and not (o.early_only and _rank(final) > _rank(SHEL))
        ]
        if final in (ID, RET):  # a shelter may be arranged before the return
            eligible = [o for o in options if _rank(o.stage) <= _rank(SHEL)]
        else:
            eligible = [o for o in options if _rank(o.stage) <= _rank(final)]
        count = _pick(rng, REFERRAL_COUNTS[stage])
        # Weighted shuffle: agencies whose demo users answer referrals come up more often.
        eligible.sort(key=lambda o: rng.random() ** (1 / (3 if o.to in self.receivers else 1)), reverse=True)
        chosen: list[Option] = []
        for option in eligible:
            if len(chosen) < count and option.to not in {c.to for c in chosen}:
                chosen.append(option)
        referrals: list[tuple[Option, ReferralStatus, Stage]] = []
        for option in sorted(chosen, key=lambda o: _rank(o.stage)):
            when = "closed" if stage == CLOSED else ("past" if _rank(option.stage) < _rank(final) else "current")
            status = _pick(rng, STATUS_WEIGHTS[(when, option.to in self.receivers)])
            send_at = next((s for s in path if _rank(s) >= _rank(option.stage)), path[-1])
            referrals.append((option, status, send_at))

        # Tasks and follow-ups: (title, due, follow-up?, roll deciding done / overdue).
        tasks: list[tuple[str, datetime.date, bool, float]] = []
        for i, title in enumerate(rng.sample(TASKS, k=_pick(rng, [(1, 7), (2, 3)]))):
            due = opened_on + datetime.timedelta(days=rng.randint(3, 40) + 15 * i)
            tasks.append((title, due, False, rng.random()))
        if has_return and final in (SHEL, REINT, FOLLOW):
            for days, title in FOLLOW_UPS:
                roll, keep = rng.random(), rng.random() < 0.4
                due = anchor + datetime.timedelta(days=days)
                if not keep or (stage == CLOSED and due >= self.today) or (final == SHEL and days > 30):
                    continue
                tasks.append((title, due, True, roll))
        notes = [rng.choice(NOTES_ANY)]
        if rng.random() < 0.2:
            notes.append(rng.choice(NOTES_LOCAL[country]))

        has_supervisor = slug in self.supervisors and opener.role == Role.CASEWORKER
        closure, closure_reason = "", rng.choice(CLOSURE_REASONS)
        closure_roll = rng.random()
        if stage == CLOSED:
            closure = "approved" if has_supervisor else "requested"
        elif stage == FOLLOW and has_supervisor and closure_roll < 0.2:
            closure = "requested" if closure_roll < 0.14 else "refused"

        language = home.language if home.language and rng.random() < 0.35 else ("th" if country == "TH" else "fil")
        if slug == "ph-dswd-region7" and rng.random() < 0.7:
            language = "ceb"
        return Plan(
            opener=opener,
            country=country,
            stage=stage,
            returnee=returnee,
            summary=rng.choice(story.summaries),
            opened_at=opened_at,
            opened_on=min(self.today, opened_at.astimezone(ZONES[country]).date()),
            history=history,
            journey=journey,
            assisting=assisting,
            consent_language=language,
            statistics=rng.random() < 0.88,
            path=path,
            referrals=referrals,
            tasks=tasks,
            notes=notes,
            closure=closure,
            closure_reason=closure_reason,
            withdraw_statistics=rng.random() < 0.03,
            rolls=[rng.random() for _ in range(3)],
        )

    def person(
        self,
        rng: random.Random,
        country: str,
        gender: Gender,
        home: Home,
        age: int,
        birth: datetime.date,
        minor: bool,
        story: Scenario,
    ) -> dict[str, Any]:
        self.phone_serial += 1
        woman = gender in (WOMAN, TRANS_WOMAN) or (gender == Gender.NON_CONFORMING and rng.random() < 0.5)
        if country == "TH":
            given_pair = rng.choice(TH_WOMEN if woman else TH_MEN)
            family_pair = rng.choice(TH_FAMILY)
            script = 1 if rng.random() < 0.4 else 0
            given, family = given_pair[script], family_pair[script]
            nickname = rng.choice(TH_NICKNAMES)
            phone = f"+66 8{rng.randint(0, 9)} 000 {self.phone_serial:04d}"
            languages = ["th"] + ([home.language] if home.language and rng.random() < 0.7 else [])
            document = {"type": "national_id", "number": f"0-0000-{rng.randint(0, 99999):05d}-{self.phone_serial:04d}"}
            address = f"Moo {rng.randint(1, 14)}, {rng.choice(VILLAGES_TH)}, {home.area}"
        else:
            given = rng.choice(PH_WOMEN if woman else PH_MEN)
            family = rng.choice(PH_FAMILY)
            nickname = rng.choice(PH_NICKNAMES)
            phone = f"+63 9{rng.randint(15, 99)} 000 {self.phone_serial:04d}"
            languages = ["fil"] + ([home.language] if home.language and rng.random() < 0.8 else [])
            if home.region == "visayas" and "ceb" not in languages:
                languages.insert(0, "ceb")
            document = {"type": "passport", "number": f"P0000{self.phone_serial:04d}X", "country": country}
            address = f"Purok {rng.randint(1, 9)}, Barangay {rng.choice(BARANGAYS_PH)}, {home.area}"
        if story.key == "scam" or rng.random() < 0.15:
            languages.append("en")
        if minor:
            education, marital, children = Education.LOWER_SECONDARY, MaritalStatus.SINGLE, 0
        else:
            education = _pick(
                rng,
                [
                    (Education.NONE, 2),
                    (Education.PRIMARY, 22 if story.key != "scam" else 5),
                    (Education.LOWER_SECONDARY, 30),
                    (Education.UPPER_SECONDARY, 26),
                    (Education.POST_SECONDARY, 8),
                    (Education.SHORT_TERTIARY, 5),
                    (Education.BACHELORS, 6 if story.key != "scam" else 25),
                ],
            )
            marital = _pick(
                rng,
                [
                    (MaritalStatus.SINGLE, 40 if age < 28 else 15),
                    (MaritalStatus.MARRIED, 35),
                    (MaritalStatus.SEPARATED, 12),
                    (MaritalStatus.DIVORCED, 5),
                    (MaritalStatus.WIDOWED, 3 if age > 35 else 0),
                ],
            )
            children = 0 if marital == MaritalStatus.SINGLE and rng.random() < 0.8 else rng.randint(0, 4)
        fields: dict[str, Any] = {
            "given_name": given,
            "family_name": family,
            "gender": gender.value,
            "citizenships": [country],
            "languages": languages,
            "education": education.value,
            "marital_status": marital.value,
            "children": children,
            "phones": [phone] if rng.random() < 0.75 else [],
        }
        if rng.random() < 0.2:
            fields["other_names"] = nickname
        if rng.random() < 0.75:
            fields["birth_date"] = birth
        if rng.random() < 0.5:
            fields["identity_documents"] = [document]
        if rng.random() < 0.5:
            fields["address"] = address
        return fields

    def debt(self, rng: random.Random, history: list[dict[str, Any]], country: str, destination: str) -> None:
        foreign = FOREIGN_DEBT.get(destination)
        if foreign and rng.random() < 0.2:
            currency, unit, (low, high) = foreign
            history[-1].update(
                debt_amount=Decimal(rng.randint(low, high) * unit),
                debt_currency=currency,
                creditor=rng.choice(ABROAD_CREDITORS),
            )
            return
        currency, high = ("THB", 300) if country == "TH" else ("PHP", 250)
        history[0].update(
            debt_amount=Decimal(rng.randint(10, high) * 1000),
            debt_currency=currency,
            creditor=rng.choice(HOME_CREDITORS),
        )

    # --- playing through the services ---------------------------------------------------------

    def play(self, plan: Plan) -> Case:
        opener = plan.opener
        opened_on = plan.opened_on
        case = case_services.case_open(
            actor=opener,
            opened_at=plan.opened_at,
            stage=plan.path[0],
            notes=plan.summary,
            **plan.returnee,
        )
        case_services.consent_record(
            actor=opener,
            case=case,
            purpose=ConsentPurpose.ASSISTANCE,
            given_on=opened_on,
            language=plan.consent_language,
        )
        statistics = None
        if plan.statistics:
            statistics = case_services.consent_record(
                actor=opener,
                case=case,
                purpose=ConsentPurpose.STATISTICS,
                given_on=opened_on,
                language=plan.consent_language,
            )
        for event in plan.history:
            case_services.history_add(actor=opener, case=case, **event)
        if plan.journey:
            case_services.return_record(
                actor=opener,
                case=case,
                assisting_agencies=[self.agencies[s] for s in plan.assisting if s in self.agencies],
                **plan.journey,
            )
        if plan.override:
            self.refer(case, plan, plan.override, ReferralStatus.IN_PROGRESS, opened_on, override=True)
        for stage in plan.path:
            if stage != case.stage:
                case = case_services.case_set_stage(actor=opener, case=case, stage=stage, version=case.version)
            for option, status, send_at in plan.referrals:
                if send_at == stage:
                    self.refer(case, plan, option, status, opened_on)
        self.extra_sharing_consent(case, plan, opened_on)
        for title, due, follow_up, roll in plan.tasks:
            task = case_services.task_create(
                actor=opener, case=case, title=title, due_on=due, assignee=opener, is_follow_up=follow_up
            )
            if plan.stage == CLOSED or (due < self.today and roll < 0.8) or roll < 0.05:
                case_services.task_done(actor=opener, task=task)
        for text in plan.notes:
            case_services.note_add(actor=opener, case=case, text=text)
        if statistics is not None and plan.withdraw_statistics:
            case_services.consent_withdraw(actor=opener, consent=statistics)
        if plan.closure:
            case = case_services.closure_request(actor=opener, case=case, reason=plan.closure_reason)
            supervisor = self.supervisors.get(case.agency.slug)
            if supervisor is not None and plan.closure in ("approved", "refused"):
                case = case_services.closure_decide(actor=supervisor, case=case, approve=plan.closure == "approved")
        return case

    def refer(
        self,
        case: Case,
        plan: Plan,
        option: Option,
        status: ReferralStatus,
        opened_on: datetime.date,
        *,
        override: bool = False,
    ) -> None:
        rng, opener = self.rng, plan.opener
        to_agency = self.agencies.get(option.to)
        if to_agency is None:
            return
        receiver = self.receivers.get(option.to)
        if receiver is None and status not in (ReferralStatus.PENDING, ReferralStatus.CANCELLED):
            status = ReferralStatus.CANCELLED if plan.stage == CLOSED else ReferralStatus.PENDING
        through_withdrawal = status == ReferralStatus.REVOKED and rng.random() < 0.4
        consent: Consent | None = None
        covered = any(
            (c.recipient_agency_id == to_agency.pk or c.recipient_agency_type == to_agency.type)
            and set(option.data) <= set(c.categories)
            for c in plan.shared
        )
        if not override and not covered:
            low, high = SHARING_CONSENT_DAYS[Stage(option.stage)]
            by_type = not through_withdrawal and rng.random() < 0.15
            extra = [c for c in (CONTACT, NOTES) if c not in option.data and rng.random() < 0.2]
            consent = case_services.consent_record(
                actor=opener,
                case=case,
                purpose=ConsentPurpose.SHARING,
                given_on=self.day(opened_on, rng.randint(low, high)),
                language=plan.consent_language,
                recipient_agency=None if by_type else to_agency,
                recipient_agency_type=to_agency.type if by_type else "",
                categories=[*option.data, *extra],
            )
            plan.shared.append(consent)
        services = [s for s in self.services.get(to_agency.pk, []) if s.category == option.category]
        service = next((s for s in services if option.service_hint and option.service_hint in s.name), None)
        referral = referral_services.referral_send(
            actor=opener,
            case=case,
            to_agency=to_agency,
            service=service or (services[0] if services else None),
            reasons=[option.reason],
            reason_text=option.text,
            urgency=Urgency.URGENT if override else option.urgency,
            categories=option.data,
            override_reason=OVERRIDE_REASONS[plan.country] if override else "",
        )
        if status == ReferralStatus.CANCELLED:
            referral_services.referral_cancel(actor=opener, referral=referral, reason=rng.choice(CANCEL_REASONS))
        elif status == ReferralStatus.DECLINED and receiver is not None:
            referral_services.referral_decline(actor=receiver, referral=referral, reason=rng.choice(DECLINE_REASONS))
        elif status != ReferralStatus.PENDING and receiver is not None:
            referral = referral_services.referral_accept(actor=receiver, referral=referral)
            started = status == ReferralStatus.IN_PROGRESS or (
                status in (ReferralStatus.COMPLETED, ReferralStatus.REVOKED) and rng.random() < 0.7
            )
            if started:
                referral = referral_services.referral_start(actor=receiver, referral=referral)
                note = PROVIDER_NOTES.get(option.category)
                if note and rng.random() < 0.5:
                    case_services.note_add(actor=receiver, case=case, text=note)
                if status == ReferralStatus.IN_PROGRESS and rng.random() < 0.3:
                    case_services.task_create(
                        actor=receiver,
                        case=case,
                        title="Check attendance and progress with the returnee",
                        due_on=self.today + datetime.timedelta(days=rng.randint(3, 21)),
                        assignee=receiver,
                    )
            if status == ReferralStatus.COMPLETED:
                reasons = COMPLETE_REASONS.get(option.category, COMPLETE_REASONS[""])
                referral_services.referral_complete(actor=receiver, referral=referral, reason=rng.choice(reasons))
            elif status == ReferralStatus.REVOKED:
                if through_withdrawal and consent is not None:
                    case_services.consent_withdraw(actor=opener, consent=consent)
                    plan.shared.remove(consent)
                else:
                    referral_services.referral_revoke(
                        actor=opener, referral=referral, reason=rng.choice(REVOKE_REASONS)
                    )

    def extra_sharing_consent(self, case: Case, plan: Plan, opened_on: datetime.date) -> None:
        """Some returnees agree in advance to share with a kind of agency, before any referral."""
        if plan.rolls[0] >= 0.1:
            return
        kind = "Microfinance" if plan.rolls[1] < 0.5 else "TrainingProvider"
        case_services.consent_record(
            actor=plan.opener,
            case=case,
            purpose=ConsentPurpose.SHARING,
            given_on=self.day(opened_on, int(plan.rolls[2] * 60)),
            language=plan.consent_language,
            recipient_agency_type=kind,
            categories=WORK_DATA,
        )


@transaction.atomic
def load_demo_cases(*, stdout: Writer | None = None, count: int = CASE_COUNT) -> dict[str, Any]:
    """Opens the demo cases, unless any case exists already. Prints one line of counts, no names."""
    if count <= 0:
        return {"cases": 0, "referrals": {}, "stages": {}, "skipped": True}
    existing = Case.objects.count()
    if existing:
        if stdout is not None:
            stdout.write(f"Demo cases: {existing} cases exist already; none added.")
        return {"cases": 0, "referrals": {}, "stages": {}, "skipped": True}
    usernames = [u[0] for u in USERS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames).select_related("agency")}
    agencies = {a.slug: a for a in Agency.objects.all()}
    openers: list[tuple[User, int]] = []
    for name, weight in OPENERS:
        user = users.get(name)
        if user and user.agency and user.agency.slug in HOMES and user.role in (Role.CASEWORKER, Role.SUPERVISOR):
            openers.append((user, weight))
    if not openers:
        if stdout is not None:
            stdout.write("Demo cases: no demo caseworkers found; none added.")
        return {"cases": 0, "referrals": {}, "stages": {}, "skipped": True}
    generator = Generator(users=users, agencies=agencies)
    plans: list[Plan] = []
    # Two child-protection emergencies, sent by a supervisor without consent, to show the override.
    for supervisor, to, stage in (("somchai", "th-ngo-mekong-home", SHEL), ("jose", "ph-ngo-bahay-pag-asa", RET)):
        if supervisor in users and to in agencies and users[supervisor].agency is not None:
            plan = generator.plan(users[supervisor], stage=stage, minor=True, scenario="sexual")
            plan.override = Option(to, "shelter", SHEL, MORE, "Child at risk; shelter needed at once.", SHELTER_DATA)
            plan.referrals = []
            plans.append(plan)
    while len(plans) < count:
        plans.append(generator.plan(_pick(generator.rng, openers)))
    stages: Counter[str] = Counter()
    for plan in plans:
        case = generator.play(plan)
        stages[case.stage] += 1
    by_status = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
    referrals = {status: by_status.get(status, 0) for status in ReferralStatus.values}
    if stdout is not None:
        counts = ", ".join(f"{n} {status}" for status, n in referrals.items())
        stdout.write(f"Demo cases: {len(plans)} added; referrals: {counts}.")
    return {"cases": len(plans), "referrals": referrals, "stages": dict(stages), "skipped": False}
