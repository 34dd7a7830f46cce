/* imtcp: placeholder, being written */
