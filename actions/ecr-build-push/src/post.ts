import { runPost } from './logout'

void runPost()
