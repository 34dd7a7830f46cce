/* imudp: placeholder, being written */
