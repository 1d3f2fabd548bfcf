// The backup area of safemig in one include: file backups, verification, retention, restore,
// and backup tables.
//
// Thread safety: see each header.
#pragma once

#include "safemig/backup/backup_info.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/backup/file_backup.h"
#include "safemig/backup/restore.h"
#include "safemig/backup/retention.h"
#include "safemig/backup/verify.h"
