// A step with nothing to decide (a full sign-out the site asked for) goes on by itself; without JavaScript, its button does.
document.querySelector('[data-continue]')?.click();
