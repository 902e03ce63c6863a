// SPDX-License-Identifier: GPL-2.0
/*
 * Harrier kmod: /dev/harrier, a misc device (mode 0600: root only) whose file operations
 * forward to Rust (device.rs). 6.12 has no Rust abstraction for misc devices or mmap.
 *
 * mmap: the Rust side resolves (offset, length) to one region of one CPU's ring and
 * says whether it may be writable (only the consumer page is). Read-only regions lose
 * VM_MAYWRITE so mprotect() cannot upgrade them. remap_vmalloc_range() inserts the
 * vmalloc pages with vm_insert_page(), which takes a page reference per mapping; and
 * `.owner = THIS_MODULE` pins the module while the file is open or mapped, so rmmod is
 * refused (EBUSY) while a reader is attached instead of freeing mapped memory.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include "glue.h"

static int harrier_open(struct inode *inode, struct file *file)
{
	return harrier_rs_open();
}

static int harrier_release(struct inode *inode, struct file *file)
{
	harrier_rs_release();
	return 0;
}

static long harrier_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return harrier_rs_ioctl(cmd, arg);
}

static int harrier_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long page = 0;
	int writable = 0;
	void *base = harrier_rs_mmap_target(vma->vm_pgoff, len, &page, &writable);

	if (!base)
		return -EINVAL;
	if (!writable) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return remap_vmalloc_range(vma, base, page);
}

static const struct file_operations harrier_fops = {
	.owner = THIS_MODULE,
	.open = harrier_open,
	.release = harrier_release,
	.unlocked_ioctl = harrier_ioctl,
	.mmap = harrier_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice harrier_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "harrier",
	.fops = &harrier_fops,
	.mode = 0600,
};

int harrier_dev_register(void)
{
	return misc_register(&harrier_misc);
}

void harrier_dev_unregister(void)
{
	misc_deregister(&harrier_misc);
}

/* vmalloc()/vmalloc_user() are macros (allocation profiling) in 6.12. vmalloc_user()
 * memory is zeroed and flagged VM_USERMAP, which remap_vmalloc_range() requires. */
void *harrier_vmalloc_user(unsigned long size)
{
	return vmalloc_user(size);
}

void *harrier_vmalloc(unsigned long size)
{
	return vmalloc(size);
}
