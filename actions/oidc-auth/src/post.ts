import { runPost } from './cleanup'

void runPost()
