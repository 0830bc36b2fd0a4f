"""The 113 comuni of the province of Cremona: residence of participants, later breakdowns."""
