"""Task records that bring their own documents (`tasks=` or `reset(options={"task": ...})`).

Two shapes are read:

* ours: `{"question", "answer", "answer_aliases"?, "answerable"?, "missing"?,
  "missing_aliases"?, "documents": [{"id"?, "title", "text"}], "evidence": [document ids or
  0-based positions]}`; `missing` names the entity whose document an unanswerable record
  lacks (an abstention must then name it; without it a bare abstention is accepted);
* MuSiQue's: `{"question", "answer", "answer_aliases", "answerable", "paragraphs": [{"idx",
  "title", "paragraph_text", "is_supporting"}]}`.

Documents are renumbered `D1..Dn` in the order given; evidence follows the renumbering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core import Task


def normalize_kg_record(record: Mapping[str, Any]) -> Task:
    if "question" not in record or "answer" not in record:
        raise ValueError("a KG record needs 'question' and 'answer'")
    answerable = bool(record.get("answerable", True))
    if "paragraphs" in record:
        paragraphs = list(record["paragraphs"])
        documents = [{"id": f"D{i + 1}", "title": str(p.get("title", "")),
                      "text": str(p.get("paragraph_text", p.get("text", "")))}
                     for i, p in enumerate(paragraphs)]
        evidence = [f"D{i + 1}" for i, p in enumerate(paragraphs) if p.get("is_supporting")]
    elif "documents" in record:
        raw = list(record["documents"])
        documents, renumber = [], {}
        for i, d in enumerate(raw):
            if not isinstance(d, Mapping) or "text" not in d:
                raise ValueError(f"document {i} needs a 'text' (and a 'title')")
            renumber[str(d.get("id", i))] = f"D{i + 1}"
            documents.append({"id": f"D{i + 1}", "title": str(d.get("title", f"Document {i + 1}")),
                              "text": str(d["text"])})
        evidence = []
        for ref in record.get("evidence", []):
            key = str(ref)
            if key not in renumber:
                raise ValueError(f"evidence {ref!r} names no document; ids: "
                                 f"{list(renumber)[:5]}")
            evidence.append(renumber[key])
    else:
        raise ValueError("a KG record needs 'documents' (or MuSiQue 'paragraphs')")
    if not documents:
        raise ValueError("a KG record needs at least one document")
    answer = "unanswerable" if not answerable else str(record["answer"])
    task: Task = {"question": str(record["question"]), "answer": answer,
                  "answer_aliases": [str(a) for a in record.get("answer_aliases") or []]
                  if answerable else [],
                  "answerable": answerable, "documents": documents, "evidence": evidence,
                  "removed": None if answerable or not record.get("missing")
                  else str(record["missing"]),
                  "removed_aliases": [str(a) for a in record.get("missing_aliases") or []],
                  "template": str(record.get("template", "record")),
                  "hops": int(record.get("hops", max(1, len(evidence))))}
    for key in ("id", "difficulty"):
        if key in record:
            task[key] = record[key]
    return task
