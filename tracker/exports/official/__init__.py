"""Reports as administrative documents (DOCX in the layout of Nghị định 30/2020/NĐ-CP):
what a document says (``document``), how it is laid out (``writer``), and the documents
made of the programme report's figures and of the narrative summary."""
