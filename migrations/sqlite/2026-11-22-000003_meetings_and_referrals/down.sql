DROP TABLE referrals;
DROP TABLE action_items;
DROP TABLE meeting_decisions;
DROP TABLE meeting_agenda;
DROP TABLE meeting_participants;
DROP TABLE meetings;
