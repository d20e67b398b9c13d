// SPDX-License-Identifier: GPL-2.0
// Core files (vm.process): children die of SIGABRT and SIGSEGV; the parent
// reports how wait4 and waitid saw them and reads each core file back. The
// output is the same natively and under mcexec, where McKernel writes the
// core (docs/lwk.md, "Core files").
//
//   core_dump DIR   (core_pattern must be DIR/core.%e.%p)
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAP_BYTES (1 << 20)

static char marker[3 * 4096] = "not yet";
static unsigned char* heap; // anonymous memory the parent mapped, the child fills
static const char* dir;
static int pipe_fds[2];

static void fill(unsigned char* p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static void* blocked_reader(void* arg)
{
	(void)arg;
	char c;
	if (read(pipe_fds[0], &c, 1) < 0) // an offloaded call, waiting when the process dies
		perror("read");
	return NULL;
}

static volatile int spinning;

static void* spinner(void* arg)
{
	(void)arg;
	spinning = 1;
	for (;;) // in user mode when the process dies
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static pthread_barrier_t together;

static void* faulter(void* arg)
{
	(void)arg;
	pthread_barrier_wait(&together);
	volatile int* volatile bad = (volatile int*)0x10;
	*bad = 1; // SIGSEGV at 0x10 too, as the main thread's
	return NULL;
}

// The child's end: three threads, marked memory, then the signal. SIGBUS
// stands for "two threads fault at once": one writes the core, the other waits.
static void child(int how)
{
	fill((unsigned char*)marker, sizeof(marker), 3);
	fill(heap, HEAP_BYTES, 5);
	if (how == SIGBUS) {
		pthread_t a;
		pthread_barrier_init(&together, NULL, 2);
		pthread_create(&a, NULL, faulter, NULL);
		pthread_barrier_wait(&together);
		volatile int* volatile bad = (volatile int*)0x10;
		*bad = 1;
	}
	if (how == SIGABRT) {
		pthread_t a, b;
		pthread_create(&a, NULL, blocked_reader, NULL);
		pthread_create(&b, NULL, spinner, NULL);
		while (!spinning)
			usleep(1000);
		usleep(20000);
		abort();
	}
	volatile int* volatile bad = (volatile int*)0x10;
	*bad = 1; // SIGSEGV at address 0x10
	_exit(0);
}

static int fail(const char* what)
{
	printf("core: %s\n", what);
	return 1;
}

// Read the child's core file back: what a debugger needs of it.
// @any_first: the first thread's status may be any thread's (the one that dumped).
static int check_core(pid_t pid, int sig, int threads, int any_first)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/core.core_dump.%d", dir, pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("no core file");
	struct stat st;
	fstat(fd, &st);
	unsigned char* f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f == MAP_FAILED)
		return fail("cannot map it");
	Elf64_Ehdr* eh = (Elf64_Ehdr*)f;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_type != ET_CORE || eh->e_machine != EM_X86_64)
		return fail("not an x86-64 ELF core");
	Elf64_Phdr* ph = (Elf64_Phdr*)(f + eh->e_phoff);
	int prstatus = 0, first_sig = 0, first_pid = 0, siginfo_sig = 0, auxv_entry_ok = 0, fname_ok = 0,
	    fpregs = 0;
	uint64_t fault_addr = 0;
	int marker_ok = 0, heap_ok = 0, text_header = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE) {
			for (uint64_t o = 0; o + 12 <= ph[i].p_filesz;) {
				Elf64_Nhdr* n = (Elf64_Nhdr*)(f + ph[i].p_offset + o);
				unsigned char* desc = (unsigned char*)(n + 1) + ((n->n_namesz + 3) & ~3u);
				if (n->n_type == NT_PRSTATUS) {
					if (!prstatus++) {
						first_sig = *(int16_t*)(desc + 12);
						first_pid = *(int32_t*)(desc + 32);
					}
				} else if (n->n_type == NT_PRFPREG) {
					fpregs++;
				} else if (n->n_type == NT_SIGINFO) {
					siginfo_sig = *(int32_t*)desc;
					fault_addr = *(uint64_t*)(desc + 16);
				} else if (n->n_type == NT_AUXV) {
					for (Elf64_auxv_t* a = (Elf64_auxv_t*)desc; a->a_type != AT_NULL; a++)
						if (a->a_type == AT_ENTRY)
							auxv_entry_ok = a->a_un.a_val == getauxval(AT_ENTRY);
				} else if (n->n_type == NT_PRPSINFO) {
					fname_ok = !strcmp((char*)desc + 40, "core_dump");
				}
				o += sizeof(*n) + ((n->n_namesz + 3) & ~3u) + ((n->n_descsz + 3) & ~3u);
			}
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint64_t lo = ph[i].p_vaddr, hi = lo + ph[i].p_filesz;
		unsigned char want[4096];
		if ((uint64_t)marker >= lo && (uint64_t)marker + sizeof(marker) <= hi) {
			unsigned char* at = f + ph[i].p_offset + ((uint64_t)marker - lo);
			unsigned char m[sizeof(marker)];
			fill(m, sizeof(m), 3);
			marker_ok = !memcmp(at, m, sizeof(m));
		}
		if ((uint64_t)heap >= lo && (uint64_t)heap + HEAP_BYTES <= hi) {
			heap_ok = 1;
			for (uint64_t k = 0; k < HEAP_BYTES && heap_ok; k += sizeof(want)) {
				fill(want, sizeof(want), 5 + (unsigned)(k * 7));
				heap_ok = !memcmp(f + ph[i].p_offset + ((uint64_t)heap - lo) + k, want, sizeof(want));
			}
		}
		if (ph[i].p_filesz >= 4 && !(ph[i].p_flags & PF_W) && !memcmp(f + ph[i].p_offset, ELFMAG, SELFMAG))
			text_header = 1; // a file's first page, which says which file it is
	}
	printf("core: %d threads (%s), signal %d, pid %s, siginfo %d", prstatus, prstatus == threads ? "ok" : "WRONG",
	       first_sig, first_pid == pid || (any_first && first_pid > 0) ? "ok" : "WRONG", siginfo_sig);
	if (sig == SIGSEGV)
		printf(" at %#lx", (unsigned long)fault_addr);
	printf(", fp registers %s, auxv %s, name %s, data %s, heap %s, text header %s\n",
	       fpregs == prstatus ? "ok" : "WRONG", auxv_entry_ok ? "ok" : "WRONG", fname_ok ? "ok" : "WRONG",
	       marker_ok ? "ok" : "WRONG", heap_ok ? "ok" : "WRONG", text_header ? "ok" : "WRONG");
	munmap(f, st.st_size);
	unlink(path);
	return 0;
}

static void run(int how, rlim_t limit, int use_waitid)
{
	struct rlimit rl = {limit, RLIM_INFINITY};
	if (setrlimit(RLIMIT_CORE, &rl))
		perror("setrlimit");
	pid_t pid = fork();
	if (pid == 0)
		child(how);
	int dumped, sig;
	if (use_waitid) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED)) {
			perror("waitid");
			return;
		}
		dumped = si.si_code == CLD_DUMPED;
		sig = si.si_status;
		printf("waitid: %s, signal %d\n", si.si_code == CLD_DUMPED ? "CLD_DUMPED" : si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", sig);
	} else {
		int status;
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return;
		}
		dumped = WIFSIGNALED(status) && WCOREDUMP(status);
		sig = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		printf("waitpid: signal %d, core dumped %d\n", sig, dumped);
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/core.core_dump.%d", dir, pid);
	if (dumped && limit == RLIM_INFINITY) {
		check_core(pid, how == SIGBUS ? SIGSEGV : how, how == SIGABRT ? 3 : how == SIGBUS ? 2 : 1, how == SIGBUS);
	} else {
		// Cut short by the limit: an ELF header, and no more than the limit written.
		char head[4] = "";
		int fd = open(path, O_RDONLY);
		struct stat st;
		int elf = fd >= 0 && read(fd, head, 4) == 4 && !memcmp(head, ELFMAG, SELFMAG);
		int within = fd >= 0 && !fstat(fd, &st) && (rlim_t)st.st_blocks * 512 <= limit + 4096;
		printf("core file: %s%s\n", fd < 0 ? "none" : elf ? "an ELF header" : "WRONG: no ELF header",
		       fd < 0 ? "" : within ? ", within the limit" : ", WRONG: past the limit");
		if (fd >= 0)
			close(fd);
	}
	unlink(path);
}

int main(int argc, char** argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: core_dump DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	dir = argv[1];
	if (pipe(pipe_fds))
		return 1;
	heap = mmap(NULL, HEAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("abort, three threads, no limit:\n");
	run(SIGABRT, RLIM_INFINITY, 0);
	printf("segfault, waitid:\n");
	run(SIGSEGV, RLIM_INFINITY, 1);
	printf("two threads fault at once:\n");
	run(SIGBUS, RLIM_INFINITY, 0);
	printf("RLIMIT_CORE 0:\n");
	run(SIGABRT, 0, 0);
	printf("RLIMIT_CORE 8 KiB, less than the core:\n");
	run(SIGSEGV, 8192, 0);
	return 0;
}
