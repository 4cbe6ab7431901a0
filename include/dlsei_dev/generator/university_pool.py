"""Real Pakistani universities the sample draws from: names, e-mail domains, cities, regions and sectors.

Public knowledge only (names, towns and web domains); no HEC code list exists, so the registry numbers them itself.
"""

from __future__ import annotations

from typing import NamedTuple


class University(NamedTuple):
    name: str
    code: str  # roll-number prefix
    slug: str  # programme-slug stem
    domain: str
    city: str
    region: str
    sector: str


ICT = "Islamabad Capital Territory"
PUNJAB = "Punjab"
SINDH = "Sindh"
KP = "Khyber Pakhtunkhwa"
BALOCHISTAN = "Balochistan"
AJK = "Azad Jammu & Kashmir"
GB = "Gilgit-Baltistan"

UNIVERSITIES: tuple[University, ...] = (
    University(
        "National University of Sciences and Technology", "NUST", "nust", "nust.edu.pk", "Islamabad", ICT, "public"
    ),
    University("University of the Punjab", "PU", "pu-lahore", "pu.edu.pk", "Lahore", PUNJAB, "public"),
    University("University of Karachi", "UOK", "uok", "uok.edu.pk", "Karachi", SINDH, "public"),
    University("University of Peshawar", "UOP", "uop", "uop.edu.pk", "Peshawar", KP, "public"),
    University("University of Balochistan", "UOB", "uob-quetta", "uob.edu.pk", "Quetta", BALOCHISTAN, "public"),
    University("University of Azad Jammu and Kashmir", "UAJK", "uajk", "ajku.edu.pk", "Muzaffarabad", AJK, "public"),
    University("Karakoram International University", "KIU", "kiu", "kiu.edu.pk", "Gilgit", GB, "public"),
    University("Lahore University of Management Sciences", "LUMS", "lums", "lums.edu.pk", "Lahore", PUNJAB, "private"),
    University(
        "University of Engineering and Technology, Lahore",
        "UET",
        "uet-lahore",
        "uet.edu.pk",
        "Lahore",
        PUNJAB,
        "public",
    ),
    University(
        "NED University of Engineering and Technology", "NED", "ned", "neduet.edu.pk", "Karachi", SINDH, "public"
    ),
    University("Habib University", "HU", "habib", "habib.edu.pk", "Karachi", SINDH, "private"),
    University("COMSATS University Islamabad", "CUI", "comsats", "comsats.edu.pk", "Islamabad", ICT, "public"),
    University(
        "Ghulam Ishaq Khan Institute of Engineering Sciences and Technology",
        "GIKI",
        "giki",
        "giki.edu.pk",
        "Topi",
        KP,
        "private",
    ),
    University("Quaid-i-Azam University", "QAU", "qau", "qau.edu.pk", "Islamabad", ICT, "public"),
    University("Bahauddin Zakariya University", "BZU", "bzu", "bzu.edu.pk", "Multan", PUNJAB, "public"),
    University(
        "Mehran University of Engineering and Technology", "MUET", "muet", "muet.edu.pk", "Jamshoro", SINDH, "public"
    ),
    University(
        "Balochistan University of Information Technology, Engineering and Management Sciences",
        "BUITEMS",
        "buitems",
        "buitms.edu.pk",
        "Quetta",
        BALOCHISTAN,
        "public",
    ),
    University(
        "Mirpur University of Science and Technology", "MUST", "must-mirpur", "must.edu.pk", "Mirpur", AJK, "public"
    ),
    University("University of Baltistan", "UOBS", "uobs", "uobs.edu.pk", "Skardu", GB, "public"),
    University("Riphah International University", "RIU", "riphah", "riphah.edu.pk", "Islamabad", ICT, "private"),
    University("University of Agriculture, Faisalabad", "UAF", "uaf", "uaf.edu.pk", "Faisalabad", PUNJAB, "public"),
    University(
        "Institute of Business Administration, Karachi", "IBA", "iba-karachi", "iba.edu.pk", "Karachi", SINDH, "public"
    ),
    University(
        "University of Engineering and Technology, Peshawar",
        "UETP",
        "uet-peshawar",
        "uetpeshawar.edu.pk",
        "Peshawar",
        KP,
        "public",
    ),
    University(
        "Sardar Bahadur Khan Women's University", "SBKWU", "sbkwu", "sbkwu.edu.pk", "Quetta", BALOCHISTAN, "public"
    ),
    University("University of Central Punjab", "UCP", "ucp", "ucp.edu.pk", "Lahore", PUNJAB, "private"),
    University("International Islamic University", "IIUI", "iiui", "iiu.edu.pk", "Islamabad", ICT, "public"),
    University("University of Sindh", "USINDH", "usindh", "usindh.edu.pk", "Jamshoro", SINDH, "public"),
    University("Abdul Wali Khan University Mardan", "AWKUM", "awkum", "awkum.edu.pk", "Mardan", KP, "public"),
    University("University of Poonch Rawalakot", "UPR", "upr", "upr.edu.pk", "Rawalakot", AJK, "public"),
    University("Government College University, Lahore", "GCU", "gcu-lahore", "gcu.edu.pk", "Lahore", PUNJAB, "public"),
    University(
        "Capital University of Science and Technology", "CUST", "cust", "cust.edu.pk", "Islamabad", ICT, "private"
    ),
    University("Sukkur IBA University", "SIBAU", "iba-sukkur", "iba-suk.edu.pk", "Sukkur", SINDH, "public"),
    University("Khyber Medical University", "KMU", "kmu", "kmu.edu.pk", "Peshawar", KP, "public"),
    University("University of Turbat", "UOT", "uot", "uot.edu.pk", "Turbat", BALOCHISTAN, "public"),
    University("The Islamia University of Bahawalpur", "IUB", "iub", "iub.edu.pk", "Bahawalpur", PUNJAB, "public"),
    University("University of Management and Technology", "UMT", "umt", "umt.edu.pk", "Lahore", PUNJAB, "private"),
    University(
        "Shaheed Zulfikar Ali Bhutto Institute of Science and Technology",
        "SZABIST",
        "szabist",
        "szabist.edu.pk",
        "Karachi",
        SINDH,
        "private",
    ),
    University("Hazara University", "HZU", "hazara", "hu.edu.pk", "Mansehra", KP, "public"),
    University("Al-Khair University", "AKU", "alkhair", "alkhair.edu.pk", "Bhimber", AJK, "private"),
    University("Air University", "AU", "air", "au.edu.pk", "Islamabad", ICT, "public"),
    University("University of Sargodha", "UOS", "uos", "uos.edu.pk", "Sargodha", PUNJAB, "public"),
    University("Dow University of Health Sciences", "DUHS", "duhs", "duhs.edu.pk", "Karachi", SINDH, "public"),
    University(
        "Institute of Management Sciences, Peshawar", "IMS", "imsciences", "imsciences.edu.pk", "Peshawar", KP, "public"
    ),
    University("Forman Christian College", "FCCU", "fccu", "fccollege.edu.pk", "Lahore", PUNJAB, "private"),
    University("Beaconhouse National University", "BNU", "bnu", "bnu.edu.pk", "Lahore", PUNJAB, "private"),
    University("University of Gujrat", "UOG", "uog", "uog.edu.pk", "Gujrat", PUNJAB, "public"),
    University("Shah Abdul Latif University", "SALU", "salu", "salu.edu.pk", "Khairpur", SINDH, "public"),
    University("Kohat University of Science and Technology", "KUST", "kust", "kust.edu.pk", "Kohat", KP, "public"),
    University(
        "Lasbela University of Agriculture, Water and Marine Sciences",
        "LUAWMS",
        "luawms",
        "luawms.edu.pk",
        "Uthal",
        BALOCHISTAN,
        "public",
    ),
    University(
        "Women University of Azad Jammu and Kashmir Bagh", "WUAJK", "wuajk", "wuajk.edu.pk", "Bagh", AJK, "public"
    ),
)

# The national roll: a big-Punjab, small-Gilgit mix when more universities are drawn than one per region.
REGION_WEIGHTS: dict[str, float] = {
    ICT: 0.12,
    PUNJAB: 0.38,
    SINDH: 0.2,
    KP: 0.16,
    BALOCHISTAN: 0.06,
    AJK: 0.05,
    GB: 0.03,
}

# CNIC first digit per region (reference §6; AJK's 8 keeps the shape valid).
CNIC_PROVINCE: dict[str, int] = {KP: 1, PUNJAB: 3, SINDH: 4, BALOCHISTAN: 5, ICT: 6, GB: 7, AJK: 8}
