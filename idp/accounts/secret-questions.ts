export const SECRET_QUESTIONS = [
  "Mother's birthplace",
  'Best childhood friend',
  'Name of first pet',
  'Favourite teacher',
  'Favourite historical person',
  "Grandfather's occupation",
  'City where you were born',
  'Name of your first school',
];

/** The value of the "Secret question" list that means "I will write my own". */
export const OWN_QUESTION = 'own';
