// The numbers and memory layouts of the wasi_snapshot_preview1 ABI, as the
// guest sees them (little-endian, wasm32 pointers). Only what this
// implementation uses is named here.
#pragma once

#include <stdint.h>

namespace continuum::wasi::abi {

// errno: the value every preview1 call returns.
using Errno = uint16_t;
inline constexpr Errno kSuccess = 0;
inline constexpr Errno k2Big = 1;
inline constexpr Errno kAcces = 2;
inline constexpr Errno kAgain = 6;
inline constexpr Errno kBadf = 8;
inline constexpr Errno kBusy = 10;
inline constexpr Errno kExist = 20;
inline constexpr Errno kFault = 21;
inline constexpr Errno kFbig = 22;
inline constexpr Errno kIntr = 27;
inline constexpr Errno kInval = 28;
inline constexpr Errno kIo = 29;
inline constexpr Errno kIsdir = 31;
inline constexpr Errno kLoop = 32;
inline constexpr Errno kMfile = 33;
inline constexpr Errno kMlink = 34;
inline constexpr Errno kNametoolong = 37;
inline constexpr Errno kNfile = 41;
inline constexpr Errno kNobufs = 42;
inline constexpr Errno kNodev = 43;
inline constexpr Errno kNoent = 44;
inline constexpr Errno kNomem = 48;
inline constexpr Errno kNospc = 51;
inline constexpr Errno kNosys = 52;
inline constexpr Errno kNotdir = 54;
inline constexpr Errno kNotempty = 55;
inline constexpr Errno kNotsup = 58;
inline constexpr Errno kNotty = 59;
inline constexpr Errno kNxio = 60;
inline constexpr Errno kOverflow = 61;
inline constexpr Errno kPerm = 63;
inline constexpr Errno kPipe = 64;
inline constexpr Errno kRange = 68;
inline constexpr Errno kRofs = 69;
inline constexpr Errno kSpipe = 70;
inline constexpr Errno kTxtbsy = 74;
inline constexpr Errno kXdev = 75;
inline constexpr Errno kNotcapable = 76;

// filetype
inline constexpr uint8_t kFiletypeUnknown = 0;
inline constexpr uint8_t kFiletypeBlockDevice = 1;
inline constexpr uint8_t kFiletypeCharacterDevice = 2;
inline constexpr uint8_t kFiletypeDirectory = 3;
inline constexpr uint8_t kFiletypeRegularFile = 4;
inline constexpr uint8_t kFiletypeSocketStream = 6;
inline constexpr uint8_t kFiletypeSymbolicLink = 7;

// fdflags
inline constexpr uint16_t kFdflagAppend = 1 << 0;
inline constexpr uint16_t kFdflagDsync = 1 << 1;
inline constexpr uint16_t kFdflagNonblock = 1 << 2;
inline constexpr uint16_t kFdflagRsync = 1 << 3;
inline constexpr uint16_t kFdflagSync = 1 << 4;

// oflags (path_open)
inline constexpr uint16_t kOflagCreat = 1 << 0;
inline constexpr uint16_t kOflagDirectory = 1 << 1;
inline constexpr uint16_t kOflagExcl = 1 << 2;
inline constexpr uint16_t kOflagTrunc = 1 << 3;

// lookupflags
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// whence
inline constexpr uint8_t kWhenceSet = 0;
inline constexpr uint8_t kWhenceCur = 1;
inline constexpr uint8_t kWhenceEnd = 2;

// clockid
inline constexpr uint32_t kClockRealtime = 0;
inline constexpr uint32_t kClockMonotonic = 1;
inline constexpr uint32_t kClockProcessCputime = 2;
inline constexpr uint32_t kClockThreadCputime = 3;

// rights (a capability bit per operation)
inline constexpr uint64_t kRightFdDatasync = 1ull << 0;
inline constexpr uint64_t kRightFdRead = 1ull << 1;
inline constexpr uint64_t kRightFdSeek = 1ull << 2;
inline constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kRightFdSync = 1ull << 4;
inline constexpr uint64_t kRightFdTell = 1ull << 5;
inline constexpr uint64_t kRightFdWrite = 1ull << 6;
inline constexpr uint64_t kRightFdAdvise = 1ull << 7;
inline constexpr uint64_t kRightFdAllocate = 1ull << 8;
inline constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kRightPathCreateFile = 1ull << 10;
inline constexpr uint64_t kRightPathLinkSource = 1ull << 11;
inline constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kRightPathOpen = 1ull << 13;
inline constexpr uint64_t kRightFdReaddir = 1ull << 14;
inline constexpr uint64_t kRightPathReadlink = 1ull << 15;
inline constexpr uint64_t kRightPathRenameSource = 1ull << 16;
inline constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kRightPathSymlink = 1ull << 24;
inline constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kRightsAll = (1ull << 30) - 1;

// Rights that make sense on a directory and on a non-directory. A new
// descriptor gets the rights asked for, limited by what its kind supports
// and by the parent directory's inheritable rights.
inline constexpr uint64_t kDirectoryRights =
    kRightFdFdstatSetFlags | kRightFdSync | kRightFdAdvise | kRightPathCreateDirectory |
    kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen |
    kRightFdReaddir | kRightPathReadlink | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatGet | kRightPathFilestatSetSize | kRightPathFilestatSetTimes |
    kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile | kRightPollFdReadwrite;
inline constexpr uint64_t kFileRights =
    kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags | kRightFdSync |
    kRightFdTell | kRightFdWrite | kRightFdAdvise | kRightFdAllocate | kRightFdFilestatGet |
    kRightFdFilestatSetSize | kRightFdFilestatSetTimes | kRightPollFdReadwrite;

// fstflags (*_set_times): set to the given time, or to now.
inline constexpr uint16_t kFstAtim = 1 << 0;
inline constexpr uint16_t kFstAtimNow = 1 << 1;
inline constexpr uint16_t kFstMtim = 1 << 2;
inline constexpr uint16_t kFstMtimNow = 1 << 3;

// advice (fd_advise)
inline constexpr uint8_t kAdviceNormal = 0;
inline constexpr uint8_t kAdviceSequential = 1;
inline constexpr uint8_t kAdviceRandom = 2;
inline constexpr uint8_t kAdviceWillneed = 3;
inline constexpr uint8_t kAdviceDontneed = 4;
inline constexpr uint8_t kAdviceNoreuse = 5;

// eventtype (poll_oneoff)
inline constexpr uint8_t kEventClock = 0;
inline constexpr uint8_t kEventFdRead = 1;
inline constexpr uint8_t kEventFdWrite = 2;
inline constexpr uint16_t kSubclockAbstime = 1 << 0;

// Struct sizes and field offsets in guest memory.
namespace iovec {  // { buf: u32, buf_len: u32 }
inline constexpr uint32_t kSize = 8;
}
namespace fdstat {
inline constexpr uint32_t kSize = 24;
inline constexpr uint32_t kFiletype = 0;   // u8
inline constexpr uint32_t kFlags = 2;      // u16
inline constexpr uint32_t kRightsBase = 8;
inline constexpr uint32_t kRightsInheriting = 16;
}  // namespace fdstat
namespace filestat {
inline constexpr uint32_t kSize = 64;
inline constexpr uint32_t kDev = 0;
inline constexpr uint32_t kIno = 8;
inline constexpr uint32_t kFiletype = 16;  // u8
inline constexpr uint32_t kNlink = 24;
inline constexpr uint32_t kFileSize = 32;
inline constexpr uint32_t kAtim = 40;
inline constexpr uint32_t kMtim = 48;
inline constexpr uint32_t kCtim = 56;
}  // namespace filestat
namespace prestat {  // { tag: u8 (0 = directory), name_len: u32 }
inline constexpr uint32_t kSize = 8;
inline constexpr uint32_t kNameLen = 4;
}  // namespace prestat
namespace dirent {  // header; the name follows, not NUL-terminated
inline constexpr uint32_t kSize = 24;
inline constexpr uint32_t kNext = 0;
inline constexpr uint32_t kIno = 8;
inline constexpr uint32_t kNamlen = 16;
inline constexpr uint32_t kType = 20;
}  // namespace dirent
namespace subscription {
inline constexpr uint32_t kSize = 48;
inline constexpr uint32_t kUserdata = 0;
inline constexpr uint32_t kTag = 8;
inline constexpr uint32_t kClockId = 16;
inline constexpr uint32_t kClockTimeout = 24;
inline constexpr uint32_t kClockFlags = 40;  // u16
inline constexpr uint32_t kFd = 16;          // fd_read / fd_write
}  // namespace subscription
namespace event {
inline constexpr uint32_t kSize = 32;
inline constexpr uint32_t kUserdata = 0;
inline constexpr uint32_t kError = 8;   // u16
inline constexpr uint32_t kType = 10;   // u8
inline constexpr uint32_t kNbytes = 16; // fd_readwrite.nbytes
inline constexpr uint32_t kFlags = 24;  // u16
}  // namespace event

}  // namespace continuum::wasi::abi
