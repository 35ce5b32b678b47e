"""The search box: tasks, units, evidence documents and people found by typed text, each
group ranked and capped, within what the person searching may see."""
