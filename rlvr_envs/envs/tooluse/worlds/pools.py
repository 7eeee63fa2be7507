"""Name pools the world generator draws from (fictional people, tickers, places)."""

from __future__ import annotations

FIRST_NAMES = ("Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines",
               "Jonas", "Kira", "Luca", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa",
               "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe")
LAST_NAMES = ("Abbott", "Berg", "Costa", "Dalton", "Eklund", "Fischer", "Garcia", "Hansen",
              "Ivanova", "Jensen", "Kovacs", "Lopez", "Moreau", "Novak", "Okafor", "Petrov",
              "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Young")
CITIES = ("Arlen", "Brightwater", "Corvale", "Dunmore", "Eastholm", "Fairhaven", "Glenrock",
          "Highmoor", "Ironbridge", "Juniper Bay", "Kestrel", "Lowfield")
DEPARTMENTS = ("Sales", "Engineering", "Finance", "Support", "Marketing", "Legal")
PRODUCTS = ("desk lamp", "office chair", "standing desk", "monitor arm", "keyboard",
            "wireless mouse", "webcam", "headset", "notebook", "whiteboard", "paper shredder",
            "label printer", "USB hub", "laptop stand", "desk fan")
PRODUCT_CATEGORIES = ("furniture", "electronics", "supplies")
TICKERS = ("ORBX", "KLMN", "VTRA", "QZEN", "HALO", "BRIX", "NOVA", "TEKK", "LUMA", "PYRA")
CONDITIONS = ("sunny", "cloudy", "rain", "fog", "snow", "windy")
EVENT_TITLES = ("Team sync", "Budget review", "Design critique", "Client call",
                "Hiring panel", "Quarterly planning", "One-on-one", "Vendor demo",
                "Security training", "Roadmap review")
NEW_EVENT_TITLES = ("Dentist appointment", "Project kickoff", "Lunch with Sam",
                    "Board prep", "Car service", "Yoga class", "Parent meeting")
CONFIG_SERVICES = ("web", "api", "cache", "mailer", "search", "billing")
NOTE_WORDS = ("remember", "to", "send", "the", "draft", "report", "before", "friday",
              "call", "supplier", "about", "invoice", "book", "room", "for", "review")
DATES = tuple(f"2025-03-{d:02d}" for d in range(10, 24))  # the world's two weeks
