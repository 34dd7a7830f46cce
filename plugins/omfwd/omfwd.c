/* omfwd: placeholder, being written */
