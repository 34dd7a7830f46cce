/* omfile: placeholder, being written */
